package org.sparkcnn.datasets;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Images and their labels, held compactly: one {@code byte[]} of uint8 pixels and one {@code int[]}
 * of labels, plus the class names that give the labels their meaning.
 *
 * <p>Shapes, in the project's letters: pixels are {@code (N, H, W, C)} channels-last, flat and
 * row-major, so image {@code i}, row {@code y}, column {@code x}, channel {@code c} is at {@code
 * ((i * H + y) * W + x) * C + c}. Labels are {@code (N)}, each in {@code [0, classNames().size())}.
 *
 * <p>Pixels stay uint8 until a batch is needed: {@link #imagesAsFloats} and {@link #copyFloats}
 * turn a range into floats in {@code [0, 1]} (value / 255). Keeping bytes is what lets the Spark
 * trainer cache a partition in a quarter of the memory floats would take.
 *
 * <p>Instances are immutable by contract: {@link #of} takes ownership of the arrays it is given and
 * {@link #pixels()} / {@link #labels()} return them without copying; nobody may modify them.
 */
public final class ImageDataset {
  private final String source;
  private final byte[] pixels;
  private final int[] labels;
  private final ImageShape shape;
  private final List<String> classNames;

  private ImageDataset(
      String source, byte[] pixels, int[] labels, ImageShape shape, List<String> classNames) {
    this.source = source;
    this.pixels = pixels;
    this.labels = labels;
    this.shape = shape;
    this.classNames = classNames;
  }

  /**
   * Wraps already-decoded data after checking that the pieces agree: positive sizes, {@code
   * pixels.length == labels.length * shape.imageSize()}, distinct non-empty class names, and every
   * label a valid class index. The arrays are not copied.
   *
   * @param source where the data came from, used in error messages and {@link #source()}
   * @param pixels uint8 pixels, {@code (N, H, W, C)} channels-last
   * @param labels class indices, {@code (N)}
   * @param shape {@code (H, W, C)} of every image
   */
  public static ImageDataset of(
      String source, byte[] pixels, int[] labels, ImageShape shape, List<String> classNames) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(shape, "shape");
    List<String> names = List.copyOf(classNames);
    if (shape.height() <= 0 || shape.width() <= 0 || shape.channels() <= 0) {
      throw DatasetException.in(source)
          .problem("Image shape must be positive")
          .received("(H, W, C) = " + shape)
          .expected("every dimension >= 1")
          .build();
    }
    checkClassNames(source, names);
    long expectedBytes = (long) labels.length * shape.height() * shape.width() * shape.channels();
    if (pixels.length != expectedBytes) {
      throw DatasetException.in(source)
          .problem("Pixel count does not match the label count")
          .received(pixels.length + " pixel bytes for " + labels.length + " labels")
          .expected(expectedBytes + " bytes (N, H, W, C) = " + shape.withCount(labels.length))
          .build();
    }
    Labels.checkRange(source, labels, names);
    return new ImageDataset(source, pixels, labels, shape, names);
  }

  private static void checkClassNames(String source, List<String> names) {
    if (names.isEmpty()) {
      throw DatasetException.in(source)
          .problem("Class list is empty")
          .received("0 class names")
          .expected("at least one")
          .build();
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name.isEmpty() || !seen.add(name)) {
        throw DatasetException.in(source)
            .at("class " + i)
            .problem(name.isEmpty() ? "Class name is empty" : "Class name is repeated")
            .received("'" + name + "'")
            .expected("distinct, non-empty names")
            .build();
      }
    }
  }

  /** Where the data came from: a file, a folder, or a description such as "slice 0..100 of ...". */
  public String source() {
    return source;
  }

  /** N, the number of images. */
  public int size() {
    return labels.length;
  }

  /** {@code (H, W, C)}, the shape of every image. */
  public ImageShape shape() {
    return shape;
  }

  /** The class names; label {@code k} means {@code classNames().get(k)}. Unmodifiable. */
  public List<String> classNames() {
    return classNames;
  }

  /**
   * The uint8 pixels, {@code (N, H, W, C)}, as the backing array: not a copy, do not modify. Read a
   * value as {@code pixels()[k] & 0xFF}.
   */
  public byte[] pixels() {
    return pixels;
  }

  /** The labels, {@code (N)}, as the backing array: not a copy, do not modify. */
  public int[] labels() {
    return labels;
  }

  public int label(int i) {
    Objects.checkIndex(i, labels.length);
    return labels[i];
  }

  /** Images {@code [from, to)} as floats in [0, 1], shape {@code (to - from, H, W, C)}. */
  public float[] imagesAsFloats(int from, int to) {
    Objects.checkFromToIndex(from, to, labels.length);
    float[] out = new float[(to - from) * shape.imageSize()];
    copyFloats(from, to, out, 0);
    return out;
  }

  /**
   * Writes images {@code [from, to)} as floats in [0, 1] into {@code dest} starting at {@code
   * destOffset}, for callers that reuse one batch buffer across steps.
   */
  public void copyFloats(int from, int to, float[] dest, int destOffset) {
    Objects.checkFromToIndex(from, to, labels.length);
    int start = from * shape.imageSize();
    int count = (to - from) * shape.imageSize();
    Objects.checkFromIndexSize(destOffset, count, dest.length);
    for (int k = 0; k < count; k++) {
      dest[destOffset + k] = (pixels[start + k] & 0xFF) / 255f;
    }
  }

  /** A copy of images and labels {@code [from, to)}, with the same shape and class names. */
  public ImageDataset slice(int from, int to) {
    Objects.checkFromToIndex(from, to, labels.length);
    byte[] p = Arrays.copyOfRange(pixels, from * shape.imageSize(), to * shape.imageSize());
    int[] l = Arrays.copyOfRange(labels, from, to);
    String name = "slice " + from + ".." + to + " of " + source;
    return new ImageDataset(name, p, l, shape, classNames);
  }

  /** How many images each class has: {@code result[k]} counts label {@code k}. */
  public int[] labelHistogram() {
    return Labels.histogram(labels, classNames.size());
  }

  @Override
  public String toString() {
    return "ImageDataset["
        + source
        + ": (N, H, W, C) = "
        + shape.withCount(size())
        + ", "
        + classNames.size()
        + " classes]";
  }
}
