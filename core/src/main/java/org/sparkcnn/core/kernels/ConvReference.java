package org.sparkcnn.core.kernels;

import java.util.Arrays;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Reference 2-D convolution in double precision: plain loops, the readable oracle that the fast
 * kernels are tested against and that the gradient checks differentiate.
 *
 * <p>Shapes: x (N, H, W, C), kernel (KH, KW, C, F), bias (F), y (N, OH, OW, F).
 *
 * <pre>
 * y[n, oh, ow, f] = bias[f] + sum_{i, j, c} x[n, oh*SH - PT + i, ow*SW - PL + j, c] * kernel[i, j, c, f]
 * </pre>
 *
 * Input positions outside (H, W) are zero padding.
 */
public final class ConvReference {
  private ConvReference() {}

  /**
   * y = conv(x, kernel) + bias; bias may be null. Each output starts at its bias and adds its taps
   * in (i, j, c) order.
   */
  public static void forward(
      Window2D g, int filters, int n, double[] x, double[] kernel, double[] bias, double[] y) {
    for (int p = 0; p < n * g.outputPixels(); p++) {
      for (int f = 0; f < filters; f++) {
        y[p * filters + f] = bias == null ? 0 : bias[f];
      }
    }
    forEachTap(
        g,
        filters,
        n,
        (xo, yo, ko) -> {
          for (int c = 0; c < g.channels(); c++) {
            for (int f = 0; f < filters; f++) {
              y[yo + f] += x[xo + c] * kernel[ko + c * filters + f];
            }
          }
        });
  }

  /**
   * dx = d(loss)/dx from dy (N, OH, OW, F). Differentiates {@code y[n,oh,ow,f] += x[n,h,w,c] *
   * kernel[i,j,c,f]}: dx[n,h,w,c] += dy[n,oh,ow,f] * kernel[i,j,c,f]. Overwrites dx.
   */
  public static void backwardInput(
      Window2D g, int filters, int n, double[] dy, double[] kernel, double[] dx) {
    Arrays.fill(dx, 0, n * g.inputSize(), 0);
    forEachTap(
        g,
        filters,
        n,
        (xo, yo, ko) -> {
          for (int c = 0; c < g.channels(); c++) {
            double sum = 0;
            for (int f = 0; f < filters; f++) {
              sum += dy[yo + f] * kernel[ko + c * filters + f];
            }
            dx[xo + c] += sum;
          }
        });
  }

  /**
   * dKernel += sum over taps of x[n,h,w,c] * dy[n,oh,ow,f]; dBias[f] += sum dy[n,oh,ow,f].
   * Accumulates, so gradients of several batches can be summed; dBias may be null.
   */
  public static void backwardParams(
      Window2D g, int filters, int n, double[] x, double[] dy, double[] dKernel, double[] dBias) {
    forEachTap(
        g,
        filters,
        n,
        (xo, yo, ko) -> {
          for (int c = 0; c < g.channels(); c++) {
            for (int f = 0; f < filters; f++) {
              dKernel[ko + c * filters + f] += x[xo + c] * dy[yo + f];
            }
          }
        });
    if (dBias != null) {
      for (int p = 0; p < n * g.outputPixels(); p++) {
        for (int f = 0; f < filters; f++) {
          dBias[f] += dy[p * filters + f];
        }
      }
    }
  }

  /**
   * One (output pixel, kernel tap) pair that lands inside the input: xo is the input pixel's offset
   * in x, yo the output pixel's in y, ko the tap's first weight in the kernel.
   */
  private interface Tap {
    void at(int xo, int yo, int ko);
  }

  private static void forEachTap(Window2D g, int filters, int n, Tap tap) {
    for (int b = 0; b < n; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        for (int ow = 0; ow < g.outW(); ow++) {
          for (int i = 0; i < g.kernelH(); i++) {
            int h = oh * g.strideH() - g.padTop() + i;
            if (h < 0 || h >= g.inH()) {
              continue;
            }
            for (int j = 0; j < g.kernelW(); j++) {
              int w = ow * g.strideW() - g.padLeft() + j;
              if (w >= 0 && w < g.inW()) {
                tap.at(
                    ((b * g.inH() + h) * g.inW() + w) * g.channels(),
                    ((b * g.outH() + oh) * g.outW() + ow) * filters,
                    (i * g.kernelW() + j) * g.channels() * filters);
              }
            }
          }
        }
      }
    }
  }
}
