package org.sparkcnn.core.kernels;

/**
 * Reference fully connected layer in double precision. Shapes: x (N, I), kernel (I, O) as Keras
 * stores it, bias (O), y (N, O).
 *
 * <pre>y[n, o] = bias[o] + sum_i x[n, i] * kernel[i, o]</pre>
 */
public final class DenseReference {
  private DenseReference() {}

  /** y = x kernel + bias; bias may be null. */
  public static void forward(
      int n, int in, int out, double[] x, double[] kernel, double[] bias, double[] y) {
    for (int b = 0; b < n; b++) {
      for (int o = 0; o < out; o++) {
        double sum = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          sum += x[b * in + i] * kernel[i * out + o];
        }
        y[b * out + o] = sum;
      }
    }
  }

  /** dx[n, i] = sum_o dy[n, o] * kernel[i, o] (the transpose of forward). Overwrites dx. */
  public static void backwardInput(
      int n, int in, int out, double[] dy, double[] kernel, double[] dx) {
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < in; i++) {
        double sum = 0;
        for (int o = 0; o < out; o++) {
          sum += dy[b * out + o] * kernel[i * out + o];
        }
        dx[b * in + i] = sum;
      }
    }
  }

  /** dKernel[i, o] += sum_n x[n, i] * dy[n, o]; dBias[o] += sum_n dy[n, o]. Accumulates. */
  public static void backwardParams(
      int n, int in, int out, double[] x, double[] dy, double[] dKernel, double[] dBias) {
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < in; i++) {
        double xi = x[b * in + i];
        for (int o = 0; o < out; o++) {
          dKernel[i * out + o] += xi * dy[b * out + o];
        }
      }
      if (dBias != null) {
        for (int o = 0; o < out; o++) {
          dBias[o] += dy[b * out + o];
        }
      }
    }
  }
}
