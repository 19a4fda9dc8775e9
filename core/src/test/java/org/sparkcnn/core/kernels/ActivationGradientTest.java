package org.sparkcnn.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.core.testing.GradientCheck.check;
import static org.sparkcnn.core.testing.GradientCheck.dot;
import static org.sparkcnn.core.testing.GradientCheck.random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparkcnn.core.activations.Activation;

/** Finite-difference checks of every activation, in double precision, over rows of width 7. */
class ActivationGradientTest {

  @ParameterizedTest
  @EnumSource(Activation.class)
  void backwardMatchesFiniteDifferences(Activation a) {
    int rows = 3;
    int width = 7;
    double[] x = random(rows * width, 21);
    for (int i = 0; i < x.length; i++) {
      // Keep relu's inputs away from its kink at 0, where it has no derivative.
      x[i] = x[i] * 3 + (x[i] >= 0 ? 0.05 : -0.05);
    }
    double[] r = random(rows * width, 22);
    double[] y = new double[x.length];
    a.forward(rows, width, x, y);
    double[] dx = new double[x.length];
    a.backward(rows, width, y, r, dx);
    double[] out = new double[x.length];
    check(
        a.kerasName(),
        x,
        dx,
        v -> {
          a.forward(rows, width, v, out);
          return dot(r, out);
        });
  }

  @Test
  void softmaxAndSigmoidStayFiniteOnHugeLogits() {
    double[] x = {1000, -1000, 0, 88.8, -745.2};
    double[] y = new double[5];
    Activation.SOFTMAX.forward(1, 5, x, y);
    assertEquals(1.0, y[0], 0);
    assertEquals(0.0, y[1], 0);
    Activation.SIGMOID.forward(1, 5, x, y);
    for (double v : y) {
      assertTrue(Double.isFinite(v) && v >= 0 && v <= 1, "sigmoid gave " + v);
    }
    assertEquals(1.0, y[0], 0);
    assertEquals(0.0, y[1], 1e-300);
  }
}
