package org.sparkcnn.core.kernels;

import org.junit.jupiter.api.Test;
import org.sparkcnn.core.activations.Activation;

/**
 * Fast activations against the reference, rows of width 1, 3, 7, 13, 31. The element-wise ones
 * compute the same double expression on the same float input and round once, so they must match
 * exactly; softmax's forward too (it stays in double). Softmax backward sums a row of products in
 * float: {@link Parity}'s bound with T = width.
 */
class ActivationParityTest {
  @Test
  void activationsMatchTheReference() {
    ReferenceKernels ref = new ReferenceKernels();
    for (Kernels fast : Parity.fast()) {
      for (int width : new int[] {1, 3, 7, 13, 31}) {
        for (int rows : new int[] {1, 17}) {
          int count = rows * width;
          float[] x = Parity.random(count, width * 31L + rows);
          float[] dy = Parity.random(count, width * 17L + rows);
          for (Activation a : Activation.values()) {
            String what = fast.name() + " " + a + " " + rows + "x" + width;
            float[] yf = new float[count];
            float[] yr = new float[count];
            fast.activationForward(a, rows, width, x, yf);
            ref.activationForward(a, rows, width, x, yr);
            Parity.exact(what + " forward", yf, yr, count);
            float[] dxf = new float[count];
            float[] dxr = new float[count];
            fast.activationBackward(a, rows, width, yr, dy, dxf);
            ref.activationBackward(a, rows, width, yr, dy, dxr);
            if (a == Activation.SOFTMAX) {
              Parity.within(
                  what + " backward", dxf, dxr, softmaxAbs(rows, width, yr, dy), width + 2, count);
            } else if (a == Activation.RELU || a == Activation.LINEAR) {
              Parity.exact(what + " backward", dxf, dxr, count);
            } else {
              // dy y (1 - y) or dy (1 - y^2) in float: three roundings, whose absolute terms
              // are |dy| |y| (1 + |y|) and |dy| (1 + y^2) (1 - y^2 may cancel).
              double[] abs = new double[count];
              for (int i = 0; i < count; i++) {
                double y = Math.abs(yr[i]);
                abs[i] = Math.abs(dy[i]) * (a == Activation.TANH ? 1 + y * y : y * (1 + y));
              }
              Parity.within(what + " backward", dxf, dxr, abs, 3, count);
            }
          }
        }
      }
    }
  }

  /** |y_i| (|dy_i| + sum_j |dy_j y_j|): the absolute terms of dx_i = y_i (dy_i - dy . y). */
  private static double[] softmaxAbs(int rows, int width, float[] y, float[] dy) {
    double[] abs = new double[rows * width];
    for (int r = 0; r < rows; r++) {
      double dot = 0;
      for (int i = 0; i < width; i++) {
        dot += Math.abs((double) dy[r * width + i] * y[r * width + i]);
      }
      for (int i = 0; i < width; i++) {
        abs[r * width + i] = Math.abs(y[r * width + i]) * (Math.abs(dy[r * width + i]) + dot);
      }
    }
    return abs;
  }
}
