package org.sparkcnn.core.kernels;

import java.util.Arrays;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.tensor.Window2D;

/**
 * The fast kernels in float: convolutions and dense layers as {@link Gemm} products (the Vector API
 * one in {@code VectorKernels}, the plain-Java one in {@link ScalarKernels}), pooling and
 * activations as single passes over channels-last rows. Nothing is allocated per call: packed
 * weights, padded inputs and row offsets live in per-thread {@link Scratch}.
 *
 * <p>Convolution as matrices (shape letters of {@link Window2D}; P = N * OH * OW output pixels, K =
 * KH * KW * C, F filters): the kernel (KH, KW, C, F) is already a row-major (K, F) matrix W, and
 * the im2col matrix X (P, K) holds in row p the input patch of output pixel p (zeros where the
 * window covers padding), in (KH, KW, C) order. Then
 *
 * <pre>
 *   forward         y (P, F)  = X W + bias
 *   backwardParams  dW (K, F) += X^T dy,  dbias += column sums of dy
 *   backwardInput   dX (P, K) = dy W^T, each row of dX added back onto its patch (col2im)
 * </pre>
 *
 * X is never written out: the products read each patch in place from the input (or its padded copy,
 * see {@link PatchSource}), and the input gradient's product adds its tiles straight onto the
 * patches. An im2col of a 3x3 kernel writes and reads nine times the input; on the seed model that
 * pass cost as much as a fifth of the convolution. W (or W^T) is packed once per call.
 */
abstract class FastKernels implements Kernels {
  /**
   * Patch floats (pixels x K) per block of a convolution product: 128 KiB, a quarter of L2. Within
   * a block each strip of packed weights is read from L1 by every panel of pixels and the block's
   * patches once per strip, so they should stay in L2; blocks as large as that keep the per-block
   * costs (accumulating the weight gradient, row offsets) small when K is small.
   */
  private static final int BLOCK_FLOATS = 32 * 1024;

  private final Gemm gemm;

  FastKernels(Gemm gemm) {
    this.gemm = gemm;
  }

  Gemm gemm() {
    return gemm;
  }

  /** relu is fused into the product's store; another activation is a pass of its own after it. */
  @Override
  public void conv2dForward(
      Window2D g,
      int filters,
      int n,
      float[] x,
      float[] params,
      int kernelOffset,
      int biasOffset,
      Activation a,
      float[] y) {
    boolean relu = a == Activation.RELU;
    int k = g.kernelH() * g.kernelW() * g.channels();
    int rows = n * g.outputPixels();
    int block = blockRows(g, rows);
    Scratch s = Scratch.get();
    float[] src = PatchSource.of(g, n, x, s, Scratch.PADDED);
    int[] bases = s.rowBases(block);
    float[] bp = s.floats(Scratch.PACKED_B, gemm.packedBSize(k, filters));
    gemm.packB(k, filters, params, kernelOffset, filters, false, bp);
    float[] bias = biasOffset < 0 ? null : params;
    for (int r0 = 0; r0 < rows; r0 += block) {
      int m = Math.min(block, rows - r0);
      PatchSource.rowBases(g, r0, m, bases);
      gemm.multiplyPatches(
          m,
          filters,
          g.kernelH(),
          PatchSource.runLength(g),
          PatchSource.runStride(g),
          src,
          bases,
          bp,
          bias,
          biasOffset,
          relu,
          y,
          r0 * filters,
          filters);
    }
    if (!relu && a != Activation.LINEAR) {
      activationForward(a, n * g.outputPixels(), filters, y, y);
    }
  }

  @Override
  public void conv2dBackwardInput(
      Window2D g, int filters, int n, float[] dy, float[] params, int kernelOffset, float[] dx) {
    int k = g.kernelH() * g.kernelW() * g.channels();
    int rows = n * g.outputPixels();
    int block = blockRows(g, rows);
    Scratch s = Scratch.get();
    // B = W^T (F, K), packed straight from W (K, F).
    float[] bp = s.floats(Scratch.PACKED_B, gemm.packedBSize(filters, k));
    gemm.packB(filters, k, params, kernelOffset, filters, true, bp);
    boolean padded = PatchSource.padded(g);
    int size = n * PatchSource.size(g);
    float[] target = padded ? s.floats(Scratch.PADDED, size) : dx;
    Arrays.fill(target, 0, size, 0f);
    int[] bases = s.rowBases(block);
    for (int r0 = 0; r0 < rows; r0 += block) {
      int m = Math.min(block, rows - r0);
      PatchSource.rowBases(g, r0, m, bases);
      gemm.multiplyAddToPatches(
          m,
          g.kernelH(),
          PatchSource.runLength(g),
          PatchSource.runStride(g),
          filters,
          dy,
          r0 * filters,
          filters,
          bp,
          target,
          bases);
    }
    if (padded) {
      PatchSource.crop(g, n, target, dx);
    }
  }

  @Override
  public void conv2dBackwardParams(
      Window2D g,
      int filters,
      int n,
      float[] x,
      float[] dy,
      float[] grads,
      int kernelOffset,
      int biasOffset) {
    int rows = n * g.outputPixels();
    int block = blockRows(g, rows);
    Scratch s = Scratch.get();
    float[] src = PatchSource.of(g, n, x, s, Scratch.PADDED);
    int[] bases = s.rowBases(block);
    for (int r0 = 0; r0 < rows; r0 += block) {
      int m = Math.min(block, rows - r0);
      PatchSource.rowBases(g, r0, m, bases);
      gemm.multiplyTransposedPatchesAccumulate(
          m,
          filters,
          g.kernelH(),
          PatchSource.runLength(g),
          PatchSource.runStride(g),
          src,
          bases,
          dy,
          r0 * filters,
          filters,
          grads,
          kernelOffset,
          filters);
      // The bias gradient of the block while its dy is still in L2: a pass of its own over the
      // whole dy (7.9 MB for rgb64's conv1 at 16 images) read it from memory again.
      if (biasOffset >= 0) {
        columnSums(m, filters, dy, r0 * filters, grads, biasOffset);
      }
    }
  }

  /**
   * Output pixels per block: as many as keep the block's patches within {@link #BLOCK_FLOATS}, a
   * multiple of the panel height, at least one panel, at most all rows.
   */
  static int blockRows(Window2D g, int rows) {
    int k = g.kernelH() * g.kernelW() * g.channels();
    return Math.min(Math.max(Gemm.MR, BLOCK_FLOATS / k / Gemm.MR * Gemm.MR), rows);
  }

  /**
   * out[off + j] += sum over rows of a[aOff + row * cols + j], in blocks of 64 rows summed first.
   */
  void columnSums(int rows, int cols, float[] a, int aOff, float[] out, int off) {
    plainColumnSums(rows, cols, a, aOff, out, off);
  }

  /** {@link #columnSums} in plain Java. */
  static void plainColumnSums(int rows, int cols, float[] a, int aOff, float[] out, int off) {
    float[] partial = Scratch.get().floats(Scratch.SUMS, cols);
    for (int r0 = 0; r0 < rows; r0 += 64) {
      Arrays.fill(partial, 0, cols, 0f);
      int r1 = Math.min(rows, r0 + 64);
      for (int r = r0; r < r1; r++) {
        for (int j = 0, at = aOff + r * cols; j < cols; j++) {
          partial[j] += a[at + j];
        }
      }
      for (int j = 0; j < cols; j++) {
        out[off + j] += partial[j];
      }
    }
  }

  @Override
  public void maxPool2dForward(Window2D g, int n, float[] x, float[] y) {
    int c = g.channels();
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        for (int ow = 0; ow < g.outW(); ow++) {
          int yo = ((b * g.outH() + oh) * g.outW() + ow) * c;
          int from = 0;
          if (isFull2x2(g, oh, ow)) {
            int x0 =
                ((b * g.inH() + oh * g.strideH() - g.padTop()) * g.inW()
                        + ow * g.strideW()
                        - g.padLeft())
                    * c;
            from = maxPool2x2Forward(c, x, x0, g.inW() * c, y, yo);
          }
          maxPoolForward(g, b, oh, ow, x, y, yo, from);
        }
      }
    }
  }

  /** True if output (oh, ow)'s window is 2x2 and lies wholly inside the input. */
  static boolean isFull2x2(Window2D g, int oh, int ow) {
    int h = oh * g.strideH() - g.padTop();
    int w = ow * g.strideW() - g.padLeft();
    return g.kernelH() == 2
        && g.kernelW() == 2
        && h >= 0
        && w >= 0
        && h + 2 <= g.inH()
        && w + 2 <= g.inW();
  }

  /** A vectorized 2x2 window's forward on a prefix of the channels; returns where it stopped. */
  int maxPool2x2Forward(int c, float[] x, int x0, int rowStride, float[] y, int yo) {
    return 0;
  }

  /**
   * Lanes of the vectorized 2x2 windows, which handle channels [0, C - C % lanes); 0 if there are
   * none.
   */
  int poolLanes() {
    return 0;
  }

  /** A vectorized 2x2 window's backward on a prefix of the channels; returns where it stopped. */
  int maxPool2x2Backward(
      int c,
      float[] x,
      int x0,
      int rowStride,
      float[] dy,
      int yo,
      float[] dx,
      boolean overlap,
      boolean relu) {
    return 0;
  }

  /** Max pooling forward of output pixel (b, oh, ow), channels [from, C). */
  static void maxPoolForward(
      Window2D g, int b, int oh, int ow, float[] x, float[] y, int yo, int from) {
    int c = g.channels();
    int h0 = Math.max(oh * g.strideH() - g.padTop(), 0);
    int h1 = Math.min(oh * g.strideH() - g.padTop() + g.kernelH(), g.inH());
    int w0 = Math.max(ow * g.strideW() - g.padLeft(), 0);
    int w1 = Math.min(ow * g.strideW() - g.padLeft() + g.kernelW(), g.inW());
    // The window's first position, then strictly greater values: the reference's order.
    int first = ((b * g.inH() + h0) * g.inW() + w0) * c;
    for (int ch = from; ch < c; ch++) {
      y[yo + ch] = x[first + ch];
    }
    for (int h = h0; h < h1; h++) {
      for (int w = h == h0 ? w0 + 1 : w0; w < w1; w++) {
        int xo = ((b * g.inH() + h) * g.inW() + w) * c;
        for (int ch = from; ch < c; ch++) {
          float v = x[xo + ch];
          y[yo + ch] = v > y[yo + ch] ? v : y[yo + ch];
        }
      }
    }
  }

  @Override
  public void maxPool2dBackward(Window2D g, int n, float[] x, float[] dy, float[] dx) {
    maxPool2dBackward(g, n, x, dy, dx, false);
  }

  @Override
  public void maxPool2dBackwardRelu(Window2D g, int n, float[] x, float[] dy, float[] dx) {
    maxPool2dBackward(g, n, x, dy, dx, true);
  }

  /** With relu, a window's gradient is dropped when its maximum is not positive. */
  private void maxPool2dBackward(
      Window2D g, int n, float[] x, float[] dy, float[] dx, boolean relu) {
    int c = g.channels();
    boolean overlap = g.strideH() < g.kernelH() || g.strideW() < g.kernelW();
    // Disjoint 2x2 windows wholly inside the input, all channels vectorized, store every element
    // of dx they cover: then only the rest (the last row and column of an odd size) is zeroed,
    // not all of dx (a pass over the largest activations; 3.4 MB for rgb64's pool2 at 16 images).
    boolean disjointFull =
        !overlap
            && g.kernelH() == 2
            && g.kernelW() == 2
            && g.strideH() == 2
            && g.strideW() == 2
            && g.padTop() == 0
            && g.padLeft() == 0
            && 2 * g.outH() <= g.inH()
            && 2 * g.outW() <= g.inW()
            && poolLanes() > 0
            && c % poolLanes() == 0;
    if (disjointFull) {
      zeroOutsideWindows(g, n, dx);
    } else {
      Arrays.fill(dx, 0, n * g.inputSize(), 0f);
    }
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        for (int ow = 0; ow < g.outW(); ow++) {
          int yo = ((b * g.outH() + oh) * g.outW() + ow) * c;
          int from = 0;
          if (isFull2x2(g, oh, ow)) {
            int x0 =
                ((b * g.inH() + oh * g.strideH() - g.padTop()) * g.inW()
                        + ow * g.strideW()
                        - g.padLeft())
                    * c;
            from = maxPool2x2Backward(c, x, x0, g.inW() * c, dy, yo, dx, overlap, relu);
          }
          maxPoolBackward(g, b, oh, ow, x, dy, yo, dx, from, relu);
        }
      }
    }
  }

  /** Zeroes the rows at and below 2 OH and the columns at and right of 2 OW of each example. */
  private static void zeroOutsideWindows(Window2D g, int n, float[] dx) {
    int c = g.channels();
    int rowFloats = g.inW() * c;
    for (int b = 0; b < n; b++) {
      int image = b * g.inputSize();
      if (2 * g.outW() < g.inW()) {
        for (int h = 0; h < 2 * g.outH(); h++) {
          int row = image + h * rowFloats;
          Arrays.fill(dx, row + 2 * g.outW() * c, row + rowFloats, 0f);
        }
      }
      Arrays.fill(dx, image + 2 * g.outH() * rowFloats, image + g.inputSize(), 0f);
    }
  }

  /** Max pooling backward of output pixel (b, oh, ow), channels [from, C), adding into dx. */
  static void maxPoolBackward(
      Window2D g,
      int b,
      int oh,
      int ow,
      float[] x,
      float[] dy,
      int yo,
      float[] dx,
      int from,
      boolean relu) {
    int c = g.channels();
    int h0 = Math.max(oh * g.strideH() - g.padTop(), 0);
    int h1 = Math.min(oh * g.strideH() - g.padTop() + g.kernelH(), g.inH());
    int w0 = Math.max(ow * g.strideW() - g.padLeft(), 0);
    int w1 = Math.min(ow * g.strideW() - g.padLeft() + g.kernelW(), g.inW());
    int first = ((b * g.inH() + h0) * g.inW() + w0) * c;
    for (int ch = from; ch < c; ch++) {
      int best = first + ch;
      float max = x[best];
      for (int h = h0; h < h1; h++) {
        for (int w = h == h0 ? w0 + 1 : w0; w < w1; w++) {
          int at = ((b * g.inH() + h) * g.inW() + w) * c + ch;
          if (x[at] > max) {
            max = x[at];
            best = at;
          }
        }
      }
      if (!relu || max > 0f) {
        dx[best] += dy[yo + ch];
      }
    }
  }

  @Override
  public void averagePool2dForward(Window2D g, int n, float[] x, float[] y) {
    int c = g.channels();
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        int h0 = Math.max(oh * g.strideH() - g.padTop(), 0);
        int h1 = Math.min(oh * g.strideH() - g.padTop() + g.kernelH(), g.inH());
        for (int ow = 0; ow < g.outW(); ow++) {
          int w0 = Math.max(ow * g.strideW() - g.padLeft(), 0);
          int w1 = Math.min(ow * g.strideW() - g.padLeft() + g.kernelW(), g.inW());
          int yo = ((b * g.outH() + oh) * g.outW() + ow) * c;
          Arrays.fill(y, yo, yo + c, 0f);
          for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) {
              int xo = ((b * g.inH() + h) * g.inW() + w) * c;
              for (int ch = 0; ch < c; ch++) {
                y[yo + ch] += x[xo + ch];
              }
            }
          }
          float scale = 1f / ((h1 - h0) * (w1 - w0));
          for (int ch = 0; ch < c; ch++) {
            y[yo + ch] *= scale;
          }
        }
      }
    }
  }

  @Override
  public void averagePool2dBackward(Window2D g, int n, float[] dy, float[] dx) {
    Arrays.fill(dx, 0, n * g.inputSize(), 0f);
    int c = g.channels();
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        int h0 = Math.max(oh * g.strideH() - g.padTop(), 0);
        int h1 = Math.min(oh * g.strideH() - g.padTop() + g.kernelH(), g.inH());
        for (int ow = 0; ow < g.outW(); ow++) {
          int w0 = Math.max(ow * g.strideW() - g.padLeft(), 0);
          int w1 = Math.min(ow * g.strideW() - g.padLeft() + g.kernelW(), g.inW());
          int yo = ((b * g.outH() + oh) * g.outW() + ow) * c;
          float scale = 1f / ((h1 - h0) * (w1 - w0));
          for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) {
              int xo = ((b * g.inH() + h) * g.inW() + w) * c;
              for (int ch = 0; ch < c; ch++) {
                dx[xo + ch] += dy[yo + ch] * scale;
              }
            }
          }
        }
      }
    }
  }

  /** relu is fused into the product's store; another activation is a pass of its own after it. */
  @Override
  public void denseForward(
      int n,
      int in,
      int out,
      float[] x,
      float[] params,
      int kernelOffset,
      int biasOffset,
      Activation a,
      float[] y) {
    boolean relu = a == Activation.RELU;
    gemm.multiplyUnpacked(
        n,
        out,
        in,
        x,
        0,
        in,
        params,
        kernelOffset,
        out,
        biasOffset < 0 ? null : params,
        biasOffset,
        relu,
        y,
        0,
        out);
    if (!relu && a != Activation.LINEAR) {
      activationForward(a, n, out, y, y);
    }
  }

  @Override
  public void denseBackwardInput(
      int n, int in, int out, float[] dy, float[] params, int kernelOffset, float[] dx) {
    // dX (N, I) = dY (N, O) W^T, W stored (I, O).
    gemm.multiplyTransposedB(n, in, out, dy, 0, out, params, kernelOffset, out, dx, 0, in);
  }

  @Override
  public void denseBackwardParams(
      int n,
      int in,
      int out,
      float[] x,
      float[] dy,
      float[] grads,
      int kernelOffset,
      int biasOffset) {
    gemm.multiplyTransposedAccumulate(n, out, in, x, 0, in, dy, 0, out, grads, kernelOffset, out);
    if (biasOffset >= 0) {
      columnSums(n, out, dy, 0, grads, biasOffset);
    }
  }

  @Override
  public void activationForward(Activation a, int rows, int width, float[] x, float[] y) {
    int count = rows * width;
    switch (a) {
      case LINEAR -> System.arraycopy(x, 0, y, 0, count);
      // max, not a branch: branch-free (and vectorized) on data that is half negative.
      case RELU -> {
        for (int i = 0; i < count; i++) {
          y[i] = Math.max(x[i], 0f);
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < count; i++) {
          y[i] = (float) Activation.sigmoid(x[i]);
        }
      }
      case TANH -> {
        for (int i = 0; i < count; i++) {
          y[i] = (float) Math.tanh(x[i]);
        }
      }
      case SOFTMAX -> {
        // In double, like the reference: rows are short (the classes), exp dominates anyway.
        for (int r = 0; r < rows; r++) {
          int o = r * width;
          double max = Double.NEGATIVE_INFINITY;
          for (int i = 0; i < width; i++) {
            max = Math.max(max, x[o + i]);
          }
          double sum = 0;
          for (int i = 0; i < width; i++) {
            sum += Math.exp(x[o + i] - max);
          }
          for (int i = 0; i < width; i++) {
            y[o + i] = (float) (Math.exp(x[o + i] - max) / sum);
          }
        }
      }
    }
  }

  @Override
  public void activationBackward(
      Activation a, int rows, int width, float[] y, float[] dy, float[] dx) {
    int count = rows * width;
    switch (a) {
      case LINEAR -> System.arraycopy(dy, 0, dx, 0, count);
      case RELU -> {
        for (int i = 0; i < count; i++) {
          dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < count; i++) {
          dx[i] = dy[i] * y[i] * (1f - y[i]);
        }
      }
      case TANH -> {
        for (int i = 0; i < count; i++) {
          dx[i] = dy[i] * (1f - y[i] * y[i]);
        }
      }
      case SOFTMAX -> {
        for (int r = 0; r < rows; r++) {
          int o = r * width;
          float dot = 0f;
          for (int i = 0; i < width; i++) {
            dot += dy[o + i] * y[o + i];
          }
          for (int i = 0; i < width; i++) {
            dx[o + i] = y[o + i] * (dy[o + i] - dot);
          }
        }
      }
    }
  }

  @Override
  public void multiply(int count, float[] a, float[] b, float[] out) {
    for (int i = 0; i < count; i++) {
      out[i] = a[i] * b[i];
    }
  }
}
