package org.sparkcnn.spark.testing;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.sparkcnn.datasets.GrayPng;

/**
 * Small generated labelled images: pixels (N, H, W, 1) whose label is the brightest quarter of the
 * image (so a tiny CNN can learn it), and writers for IDX pairs and PNG files.
 */
public final class TestImages {
  public final int n;
  public final int size;
  public final byte[] pixels;
  public final int[] labels;

  private TestImages(int n, int size, byte[] pixels, int[] labels) {
    this.n = n;
    this.size = size;
    this.pixels = pixels;
    this.labels = labels;
  }

  /** n images of size x size x 1 in {@code classes} (at most 4) classes. */
  public static TestImages generate(int n, int size, int classes, long seed) {
    Random r = new Random(seed);
    byte[] pixels = new byte[n * size * size];
    int[] labels = new int[n];
    int half = size / 2;
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(classes);
      labels[i] = label;
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int quarter = (y < half ? 0 : 2) + (x < half ? 0 : 1);
          int v = quarter == label ? 160 + r.nextInt(96) : r.nextInt(80);
          pixels[(i * size + y) * size + x] = (byte) v;
        }
      }
    }
    return new TestImages(n, size, pixels, labels);
  }

  /** The images in {@code pixels} (N x size x size, N = the number of labels), as given. */
  public static TestImages of(int size, byte[] pixels, int[] labels) {
    return new TestImages(labels.length, size, pixels, labels);
  }

  public int pixel(int image, int k) {
    return pixels[image * size * size + k] & 0xFF;
  }

  /** The gray image i as PNG bytes. */
  public byte[] png(int i) {
    return GrayPng.encode(pixels, i * size * size, size, size);
  }

  /** Writes PREFIX-images-idx3-ubyte(.gz) and PREFIX-labels-idx1-ubyte(.gz). */
  public void writeIdx(Path prefix, boolean gzip) throws IOException {
    String suffix = gzip ? ".gz" : "";
    try (DataOutputStream out =
        new DataOutputStream(open(Path.of(prefix + "-images-idx3-ubyte" + suffix), gzip))) {
      out.writeInt(0x00000803);
      out.writeInt(n);
      out.writeInt(size);
      out.writeInt(size);
      out.write(pixels);
    }
    try (DataOutputStream out =
        new DataOutputStream(open(Path.of(prefix + "-labels-idx1-ubyte" + suffix), gzip))) {
      out.writeInt(0x00000801);
      out.writeInt(n);
      for (int l : labels) {
        out.write(l);
      }
    }
  }

  /** Writes root/class_k/img_i.png for every image. */
  public void writeFolder(Path root, String... classNames) throws IOException {
    for (String c : classNames) {
      Files.createDirectories(root.resolve(c));
    }
    for (int i = 0; i < n; i++) {
      Files.write(
          root.resolve(classNames[labels[i]]).resolve(String.format("img_%04d.png", i)), png(i));
    }
  }

  private static OutputStream open(Path p, boolean gzip) throws IOException {
    Files.createDirectories(p.getParent());
    OutputStream out = Files.newOutputStream(p);
    return gzip ? new GZIPOutputStream(out) : out;
  }
}
