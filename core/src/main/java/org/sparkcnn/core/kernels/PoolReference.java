package org.sparkcnn.core.kernels;

import java.util.Arrays;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Reference max and average pooling in double precision. Shapes: x (N, H, W, C), y (N, OH, OW, C);
 * each channel is pooled on its own over the window described by {@link Window2D}.
 *
 * <p>Padding never contributes: a max ignores padded positions and an average divides by the number
 * of input positions inside the window (Keras' "same" average pooling).
 */
public final class PoolReference {
  private PoolReference() {}

  /** y = max over the window. */
  public static void maxForward(Window2D g, int n, double[] x, double[] y) {
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        for (int ow = 0; ow < g.outW(); ow++) {
          for (int c = 0; c < g.channels(); c++) {
            y[outIndex(g, b, oh, ow, c)] = x[argmax(g, x, b, oh, ow, c)];
          }
        }
      }
    }
  }

  /**
   * dx: the whole of dy[n, oh, ow, c] goes to the window's maximum. Ties go to the first maximum in
   * row-major window order, as TensorFlow's CPU kernel does. Overwrites dx.
   */
  public static void maxBackward(Window2D g, int n, double[] x, double[] dy, double[] dx) {
    Arrays.fill(dx, 0, n * g.inputSize(), 0);
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        for (int ow = 0; ow < g.outW(); ow++) {
          for (int c = 0; c < g.channels(); c++) {
            dx[argmax(g, x, b, oh, ow, c)] += dy[outIndex(g, b, oh, ow, c)];
          }
        }
      }
    }
  }

  /** y = mean over the input positions inside the window. */
  public static void averageForward(Window2D g, int n, double[] x, double[] y) {
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        for (int ow = 0; ow < g.outW(); ow++) {
          Inside in = Inside.of(g, oh, ow);
          for (int c = 0; c < g.channels(); c++) {
            double sum = 0;
            for (int h = in.h0; h < in.h1; h++) {
              for (int w = in.w0; w < in.w1; w++) {
                sum += x[inIndex(g, b, h, w, c)];
              }
            }
            y[outIndex(g, b, oh, ow, c)] = sum / in.count();
          }
        }
      }
    }
  }

  /**
   * dx[n, h, w, c] += dy[n, oh, ow, c] / count for every window containing (h, w). Overwrites dx.
   */
  public static void averageBackward(Window2D g, int n, double[] dy, double[] dx) {
    Arrays.fill(dx, 0, n * g.inputSize(), 0);
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        for (int ow = 0; ow < g.outW(); ow++) {
          Inside in = Inside.of(g, oh, ow);
          for (int c = 0; c < g.channels(); c++) {
            double share = dy[outIndex(g, b, oh, ow, c)] / in.count();
            for (int h = in.h0; h < in.h1; h++) {
              for (int w = in.w0; w < in.w1; w++) {
                dx[inIndex(g, b, h, w, c)] += share;
              }
            }
          }
        }
      }
    }
  }

  /** The input rows [h0, h1) and columns [w0, w1) of output (oh, ow)'s window: padding excluded. */
  private record Inside(int h0, int h1, int w0, int w1) {
    static Inside of(Window2D g, int oh, int ow) {
      int top = oh * g.strideH() - g.padTop();
      int left = ow * g.strideW() - g.padLeft();
      return new Inside(
          Math.max(top, 0),
          Math.min(top + g.kernelH(), g.inH()),
          Math.max(left, 0),
          Math.min(left + g.kernelW(), g.inW()));
    }

    int count() {
      return (h1 - h0) * (w1 - w0);
    }
  }

  /** Index into x of the first maximum of the window of output (b, oh, ow) in channel c. */
  private static int argmax(Window2D g, double[] x, int b, int oh, int ow, int c) {
    Inside in = Inside.of(g, oh, ow);
    int best = -1;
    for (int h = in.h0; h < in.h1; h++) {
      for (int w = in.w0; w < in.w1; w++) {
        int at = inIndex(g, b, h, w, c);
        // Strictly greater keeps the first of equal maxima; NaN never wins, so a window of
        // NaN keeps its first element and the NaN propagates.
        if (best < 0 || x[at] > x[best]) {
          best = at;
        }
      }
    }
    return best;
  }

  private static int inIndex(Window2D g, int b, int h, int w, int c) {
    return ((b * g.inH() + h) * g.inW() + w) * g.channels() + c;
  }

  private static int outIndex(Window2D g, int b, int oh, int ow, int c) {
    return ((b * g.outH() + oh) * g.outW() + ow) * g.channels() + c;
  }
}
