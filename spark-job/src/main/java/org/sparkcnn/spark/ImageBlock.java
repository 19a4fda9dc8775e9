package org.sparkcnn.spark;

import java.io.Serializable;

/**
 * One partition's examples in compact form, decoded once and cached: uint8 pixels (N, H, W, C)
 * channels-last, an integer class label and a global row id per example. A model input is pixel *
 * rescale, computed per batch, so the cache holds a byte per pixel, not a float.
 *
 * <p>Java-serializable only because Spark moves and caches it between its own JVMs; nothing a user
 * stores is ever written this way.
 */
public final class ImageBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int height;
  public final int width;
  public final int channels;
  public final byte[] pixels;
  public final int[] labels;
  public final long[] ids;

  public ImageBlock(int height, int width, int channels, byte[] pixels, int[] labels, long[] ids) {
    int size = height * width * channels;
    if (labels.length != ids.length || pixels.length != (long) labels.length * size) {
      throw new IllegalArgumentException(
          "image block is inconsistent; received "
              + pixels.length
              + " pixel bytes, "
              + labels.length
              + " labels and "
              + ids.length
              + " ids, expected "
              + labels.length
              + " x "
              + size
              + " pixel bytes and one id per label");
    }
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.pixels = pixels;
    this.labels = labels;
    this.ids = ids;
  }

  public int size() {
    return labels.length;
  }

  public int imageSize() {
    return height * width * channels;
  }

  /** Writes examples order[from..to) as model inputs (pixel * rescale) and float labels. */
  public void gather(
      int[] order, int from, int to, double rescale, float[] x, float[] y, long[] rowIds) {
    int size = imageSize();
    float scale = (float) rescale;
    for (int i = from; i < to; i++) {
      int row = order[i];
      int src = row * size;
      int dst = (i - from) * size;
      for (int k = 0; k < size; k++) {
        x[dst + k] = (pixels[src + k] & 0xFF) * scale;
      }
      y[i - from] = labels[row];
      rowIds[i - from] = ids[row];
    }
  }
}
