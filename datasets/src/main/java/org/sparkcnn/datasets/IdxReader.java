package org.sparkcnn.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sparkcnn.core.io.RegularFiles;

/**
 * Reads whole IDX files, the format of MNIST and Fashion-MNIST: idx3 images ({@code (N, H, W)}
 * uint8) and idx1 labels ({@code (N)} uint8), raw or gzip-compressed. The format itself (header,
 * item ranges, gzip, every check and error) is {@link IdxStream}; this class opens files and pairs
 * images with labels.
 *
 * <p>The {@code Path} methods open and close their file. The {@code InputStream} methods (for
 * Hadoop streams in the Spark job) read to the end of the stream and leave closing it to the
 * caller; the {@code source} argument names the stream in error messages, and {@code length}, when
 * known, lets the header be checked against the file's size before any data is read.
 *
 * <p>All failures are {@link DatasetException}s.
 */
public final class IdxReader {
  static final int IMAGES_MAGIC = IdxStream.Kind.IMAGES.magic;
  static final int LABELS_MAGIC = IdxStream.Kind.LABELS.magic;

  private IdxReader() {}

  /** Reads an idx3 image file, raw or gzip. */
  public static IdxImages readImages(Path file) {
    return withFile(file, (in, length) -> readImages(in, file.toString(), length));
  }

  /** Reads idx3 images from a stream, raw or gzip; does not close {@code in}. */
  public static IdxImages readImages(InputStream in, String source) {
    return readImages(in, source, -1);
  }

  /**
   * Reads idx3 images from a stream of {@code length} bytes (-1 when unknown); does not close
   * {@code in}.
   */
  public static IdxImages readImages(InputStream in, String source, long length) {
    IdxStream s = IdxStream.open(in, source, IdxStream.Kind.IMAGES, length);
    byte[] pixels = s.readItems(0, s.count());
    return new IdxImages(source, s.count(), s.rows(), s.columns(), pixels);
  }

  /** Reads an idx1 label file, raw or gzip; each label as an int in [0, 255]. */
  public static int[] readLabels(Path file) {
    return withFile(file, (in, length) -> readLabels(in, file.toString(), length));
  }

  /** Reads idx1 labels from a stream, raw or gzip; does not close {@code in}. */
  public static int[] readLabels(InputStream in, String source) {
    return readLabels(in, source, -1);
  }

  /**
   * Reads idx1 labels from a stream of {@code length} bytes (-1 when unknown); does not close
   * {@code in}.
   */
  public static int[] readLabels(InputStream in, String source, long length) {
    IdxStream s = IdxStream.open(in, source, IdxStream.Kind.LABELS, length);
    byte[] bytes = s.readItems(0, s.count());
    int[] labels = new int[bytes.length];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = bytes[i] & 0xFF;
    }
    return labels;
  }

  /**
   * Reads an image file and its label file into one dataset of shape {@code (N, H, W, 1)}, after
   * checking that both hold the same number of items and that every label indexes {@code
   * classNames}.
   */
  public static ImageDataset load(Path imagesFile, Path labelsFile, List<String> classNames) {
    IdxImages images = readImages(imagesFile);
    int[] labels = readLabels(labelsFile);
    return combine(images, labels, labelsFile.toString(), classNames);
  }

  /** {@link #load(Path, Path, List)} for streams; closes neither stream. */
  public static ImageDataset load(
      InputStream images,
      String imagesSource,
      InputStream labels,
      String labelsSource,
      List<String> classNames) {
    return combine(
        readImages(images, imagesSource),
        readLabels(labels, labelsSource),
        labelsSource,
        classNames);
  }

  /** Fails unless an images file of {@code images} items and a labels file agree in count. */
  public static void checkCounts(String imagesSource, int images, String labelsSource, int labels) {
    if (images != labels) {
      throw DatasetException.in(imagesSource)
          .problem("Image and label counts differ")
          .received(images + " images, but " + labels + " labels in '" + labelsSource + "'")
          .expected("one label per image")
          .hint("the two files come from different splits (train vs t10k) or data sets.")
          .build();
    }
  }

  private static ImageDataset combine(
      IdxImages images, int[] labels, String labelsSource, List<String> classNames) {
    checkCounts(images.source(), images.count(), labelsSource, labels.length);
    Labels.checkRange(labelsSource, labels, classNames);
    return ImageDataset.of(
        images.source(),
        images.pixels(),
        labels,
        new ImageShape(images.rows(), images.columns(), 1),
        classNames);
  }

  private interface FileReader<T> {
    T read(InputStream in, long length);
  }

  /** Opens a regular file (never a device or FIFO) and reads it within the read time limit. */
  private static <T> T withFile(Path file, FileReader<T> reader) {
    long length = LocalFileTree.regularFile(file, file.toString()).size();
    try {
      return RegularFiles.within(
          file.toString(),
          () -> {
            try (InputStream in = Files.newInputStream(file)) {
              return reader.read(in, length);
            }
          });
    } catch (IOException e) {
      throw DatasetException.in(file.toString())
          .problem("Cannot read IDX file")
          .received(e.toString())
          .expected("a readable file")
          .cause(e)
          .build();
    }
  }
}
