package org.sparkcnn.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  /**
   * The sharded topology's promise: optimizers that each update one range (one per executor), their
   * state restored from the ranges of a whole optimizer's state mid-run, give the whole update's
   * bits, and their states put together are the whole state.
   */
  @Test
  void rangesGiveTheWholeUpdatesBits() {
    int n = 1003;
    int[] cuts = {0, 1, 334, 700, n}; // uneven ranges, one of a single parameter
    for (Optimizer kind :
        List.of(
            new Sgd(0.05), new Sgd(0.05, 0.9, false), new Sgd(0.05, 0.9, true), new Adam(0.01))) {
      Optimizer whole = Optimizer.fromConfig(kind.kerasName(), kind.config());
      Random random = new Random(7);
      float[] wholeParams = randoms(random, n);
      List<float[]> grads = List.of(randoms(random, n), randoms(random, n), randoms(random, n));
      whole.apply(wholeParams, grads.get(0));
      float[] rangedParams = wholeParams.clone();
      Optimizer[] ranges = new Optimizer[cuts.length - 1];
      for (int r = 0; r < ranges.length; r++) {
        ranges[r] = Optimizer.fromConfig(kind.kerasName(), kind.config());
        Map<String, float[]> slice = new LinkedHashMap<>();
        int lo = cuts[r];
        int hi = cuts[r + 1];
        whole.state().forEach((slot, a) -> slice.put(slot, Arrays.copyOfRange(a, lo, hi)));
        ranges[r].restore(whole.iterations(), slice, hi - lo);
      }
      for (float[] g : grads.subList(1, 3)) {
        whole.apply(wholeParams, g);
        for (int r = 0; r < ranges.length; r++) {
          ranges[r].apply(rangedParams, cuts[r], Arrays.copyOfRange(g, cuts[r], cuts[r + 1]));
        }
      }
      assertArrayEquals(wholeParams, rangedParams, kind.config().toString());
      for (Map.Entry<String, float[]> slot : whole.state().entrySet()) {
        float[] joined = new float[n];
        for (int r = 0; r < ranges.length; r++) {
          float[] part = ranges[r].state().get(slot.getKey());
          System.arraycopy(part, 0, joined, cuts[r], part.length);
        }
        assertArrayEquals(slot.getValue(), joined, slot.getKey() + " of " + kind.config());
      }
      assertEquals(3, ranges[0].iterations());
    }
  }

  @Test
  void aRangeOptimizerRefusesAnotherRange() {
    Adam adam = new Adam();
    float[] p = new float[10];
    adam.apply(p, 2, new float[4]);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> adam.apply(p, 2, new float[5]));
    assertTrue(e.getMessage().contains("received: 5 gradients"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1).apply(p, 8, new float[4]));
    assertTrue(e.getMessage().contains("outside the parameters"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1).apply(p, new float[9]));
    assertTrue(e.getMessage().contains("received: 9 gradients"), e.getMessage());
  }

  private static float[] randoms(Random random, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }
}
