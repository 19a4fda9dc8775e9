package org.sparkcnn.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keras' update rules, checked against values worked out by hand. */
class OptimizerTest {

  @Test
  void adamFirstStepsMoveByAboutTheLearningRate() {
    // With a constant gradient g, bias-corrected m / sqrt(v) = 1, so each step moves by
    // lr * sqrt(1 - b2^t) g / (sqrt(1 - b2^t) g + eps): at t=1, 0.001 * 0.0158114 / 0.0158115.
    Adam adam = new Adam();
    float[] p = {1f, -2f};
    float[] g = {0.5f, -0.25f};
    adam.apply(p, g);
    assertEquals(1 - 0.001 * (1 - 1e-7 / (Math.sqrt(0.001) * 0.5)), p[0], 1e-7);
    assertEquals(-2 + 0.001 * (1 - 1e-7 / (Math.sqrt(0.001) * 0.25)), p[1], 1e-7);
    adam.apply(p, g);
    adam.apply(p, g);
    assertEquals(1 - 0.003, p[0], 2e-7);
    assertEquals(3, adam.iterations());

    // Gradient sign flips: t=1 g=1: m=0.1, v=0.001; t=2 g=-1: m=0.09-0.1=-0.01, v=0.001999.
    // alpha_2 = 0.001 sqrt(1-0.998001)/(1-0.81); step = alpha_2 * m / (sqrt(v) + eps).
    Adam flip = new Adam();
    float[] q = {0f};
    flip.apply(q, new float[] {1f});
    double afterOne = q[0];
    flip.apply(q, new float[] {-1f});
    double alpha2 = 0.001 * Math.sqrt(1 - 0.999 * 0.999) / (1 - 0.9 * 0.9);
    double expected = afterOne - alpha2 * -0.01 / (Math.sqrt(0.001999) + 1e-7);
    assertEquals(expected, q[0], 1e-8);
  }

  @Test
  void sgdMomentumAndNesterovFollowKeras() {
    // Keras docs: velocity = momentum * velocity - lr * g; w += velocity (or, with Nesterov,
    // w += momentum * velocity - lr * g). lr 0.1, momentum 0.9, g = 1, w0 = 1.
    Sgd momentum = new Sgd(0.1, 0.9, false);
    float[] w = {1f};
    momentum.apply(w, new float[] {1f});
    assertEquals(0.9, w[0], 1e-6);
    momentum.apply(w, new float[] {1f});
    assertEquals(0.71, w[0], 1e-6);

    Sgd nesterov = new Sgd(0.1, 0.9, true);
    float[] u = {1f};
    nesterov.apply(u, new float[] {1f});
    assertEquals(0.81, u[0], 1e-6);
    nesterov.apply(u, new float[] {1f});
    assertEquals(0.539, u[0], 1e-6);

    Sgd plain = new Sgd(0.5);
    float[] v = {1f};
    plain.apply(v, new float[] {0.5f});
    assertEquals(0.75, v[0], 0);
  }

  @Test
  void configsRoundTripAndRejectUnknownKeys() {
    Optimizer a = Optimizer.fromConfig("adam", Map.of("learning_rate", 0.01, "beta_1", 0.8));
    assertEquals(0.01, (Double) a.config().get("learning_rate"), 1e-12);
    assertEquals(0.8, (Double) a.config().get("beta_1"), 1e-12);
    Optimizer again = Optimizer.fromConfig("adam", a.config());
    assertEquals(a.config(), again.config());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Optimizer.fromConfig("sgd", Map.of("lr", 0.1)));
    assertTrue(
        e.getMessage().contains("\"lr\"") && e.getMessage().contains("learning_rate"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Optimizer.fromConfig("adam", Map.of("learning_rate", -1)));
    assertTrue(
        e.getMessage().contains("learning_rate") && e.getMessage().contains("-1"), e.getMessage());
  }
}
