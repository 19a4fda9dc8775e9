package org.sparkcnn.spark;

import java.io.Serializable;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.spark.labels.Targets;

/**
 * One partition's examples in compact form, decoded once and cached: uint8 pixels (N, H, W, C)
 * channels-last, a label of {@code labelWidth} ints and a global row id per example. A model input
 * is pixel * rescale and a target is expanded from the label by {@link Targets}, both per batch, so
 * the cache holds a byte per pixel and a class index (or packed multi-label bits), not floats.
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

  /** Labels, {@link #labelWidth} ints per example (see {@link Targets} for the stored form). */
  public final int[] labels;

  public final long[] ids;
  public final int labelWidth;

  /** A block with one class index per example. */
  public ImageBlock(int height, int width, int channels, byte[] pixels, int[] labels, long[] ids) {
    this(height, width, channels, pixels, labels, ids, 1);
  }

  public ImageBlock(
      int height,
      int width,
      int channels,
      byte[] pixels,
      int[] labels,
      long[] ids,
      int labelWidth) {
    int size = height * width * channels;
    if (labelWidth <= 0
        || labels.length != (long) ids.length * labelWidth
        || pixels.length != (long) ids.length * size) {
      throw ErrorText.problem("image block is inconsistent")
          .received(
              pixels.length
                  + " pixel bytes, "
                  + labels.length
                  + " label ints and "
                  + ids.length
                  + " ids")
          .expected(
              ids.length
                  + " x "
                  + size
                  + " pixel bytes and "
                  + ids.length
                  + " x "
                  + labelWidth
                  + " label ints")
          .illegalArgument();
    }
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.pixels = pixels;
    this.labels = labels;
    this.ids = ids;
    this.labelWidth = labelWidth;
  }

  public int size() {
    return ids.length;
  }

  public int imageSize() {
    return height * width * channels;
  }

  /**
   * Writes examples order[from..to) as model inputs (pixel * rescale) and targets ({@code
   * targets.width()} floats each).
   */
  public void gather(
      int[] order,
      int from,
      int to,
      double rescale,
      Targets targets,
      float[] x,
      float[] y,
      long[] rowIds) {
    if (targets.storedWidth() != labelWidth) {
      throw ErrorText.problem("labels do not fit " + targets.describe())
          .received(labelWidth + " ints per example")
          .expected(String.valueOf(targets.storedWidth()))
          .hint("the data was read for another label mode")
          .illegalArgument();
    }
    int size = imageSize();
    int t = targets.width();
    float scale = (float) rescale;
    for (int i = from; i < to; i++) {
      int row = order[i];
      int src = row * size;
      int dst = (i - from) * size;
      for (int k = 0; k < size; k++) {
        x[dst + k] = (pixels[src + k] & 0xFF) * scale;
      }
      targets.write(labels, row, y, (i - from) * t);
      rowIds[i - from] = ids[row];
    }
  }
}
