package org.sparkcnn.core.kernels;

import java.util.Arrays;
import org.sparkcnn.core.tensor.Window2D;

/**
 * A convolution's input as the implicit-im2col products of {@link Gemm} read it, without an im2col
 * matrix: row p of im2col, the patch of output pixel (b, oh, ow), is KH runs of KW * C contiguous
 * floats of the source, run kh starting at {@code base + kh * W' * C} with {@code base = ((b * H' +
 * oh * SH) * W' + ow * SW) * C}.
 *
 * <p>The source is x itself (H' = H, W' = W) when every window lies inside the input, else a
 * zero-padded copy of height H' and width W' holding x at (PT, PL), so that the products never test
 * for padding. The copy costs one pass over x, a ninth of what an im2col of a 3x3 kernel writes.
 */
final class PatchSource {
  private PatchSource() {}

  /** True if some window reaches outside the input, so the products need the padded copy. */
  static boolean padded(Window2D g) {
    return g.padTop() > 0 || g.padLeft() > 0 || neededH(g) > g.inH() || neededW(g) > g.inW();
  }

  /** H', the source's height. */
  static int height(Window2D g) {
    return padded(g) ? Math.max(neededH(g), g.padTop() + g.inH()) : g.inH();
  }

  /** W', the source's width. */
  static int width(Window2D g) {
    return padded(g) ? Math.max(neededW(g), g.padLeft() + g.inW()) : g.inW();
  }

  /** Floats of one example of the source. */
  static int size(Window2D g) {
    return height(g) * width(g) * g.channels();
  }

  /** Floats of one run of a patch: KW * C. */
  static int runLength(Window2D g) {
    return g.kernelW() * g.channels();
  }

  /** Distance between the runs of a patch: W' * C. */
  static int runStride(Window2D g) {
    return width(g) * g.channels();
  }

  private static int neededH(Window2D g) {
    return (g.outH() - 1) * g.strideH() + g.kernelH();
  }

  private static int neededW(Window2D g) {
    return (g.outW() - 1) * g.strideW() + g.kernelW();
  }

  /** The source of n examples of x: x itself, or its padded copy in {@code slot}. */
  static float[] of(Window2D g, int n, float[] x, Scratch s, int slot) {
    if (!padded(g)) {
      return x;
    }
    int w = width(g);
    int c = g.channels();
    int size = size(g);
    float[] dst = s.floats(slot, n * size);
    Arrays.fill(dst, 0, n * size, 0f);
    int row = g.inW() * c;
    for (int b = 0; b < n; b++) {
      for (int h = 0; h < g.inH(); h++) {
        System.arraycopy(
            x,
            (b * g.inH() + h) * row,
            dst,
            b * size + ((g.padTop() + h) * w + g.padLeft()) * c,
            row);
      }
    }
    return dst;
  }

  /** dx = the part of a padded-source-shaped gradient that lies on the input; overwrites dx. */
  static void crop(Window2D g, int n, float[] padded, float[] dx) {
    int w = width(g);
    int c = g.channels();
    int size = size(g);
    int row = g.inW() * c;
    for (int b = 0; b < n; b++) {
      for (int h = 0; h < g.inH(); h++) {
        System.arraycopy(
            padded,
            b * size + ((g.padTop() + h) * w + g.padLeft()) * c,
            dx,
            (b * g.inH() + h) * row,
            row);
      }
    }
  }

  /**
   * bases[i] = the source offset of the patch of output pixel r0 + i, for i in [0, m); the pixel
   * (b, oh, ow) is advanced incrementally, divisions only for the first.
   */
  static void rowBases(Window2D g, int r0, int m, int[] bases) {
    int h = height(g);
    int w = width(g);
    int c = g.channels();
    int pixels = g.outputPixels();
    int b = r0 / pixels;
    int oh = r0 % pixels / g.outW();
    int ow = r0 % pixels % g.outW();
    for (int i = 0; i < m; i++) {
      bases[i] = ((b * h + oh * g.strideH()) * w + ow * g.strideW()) * c;
      if (++ow == g.outW()) {
        ow = 0;
        if (++oh == g.outH()) {
          oh = 0;
          b++;
        }
      }
    }
  }
}
