package org.sparkcnn.core.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.core.testing.GradientCheck.check;
import static org.sparkcnn.core.testing.GradientCheck.random;

import org.junit.jupiter.api.Test;
import org.sparkcnn.core.activations.Activation;

/**
 * Finite-difference checks of every loss, in double precision: from probabilities (away from the
 * clipping bounds) and, for the cross-entropies, fused with their softmax/sigmoid from logits; plus
 * the stability Keras promises on extreme logits and probabilities 0 and 1.
 */
class LossGradientTest {
  private static final int N = 4;
  private static final int K = 5;

  private static double[] probabilities(long seed, Activation a) {
    double[] z = random(N * K, seed);
    double[] p = new double[N * K];
    a.forward(N, K, z, p);
    return p;
  }

  private static double[] sparseLabels() {
    return new double[] {0, 4, 2, 2};
  }

  private static double[] softTargets(long seed) {
    return probabilities(seed, Activation.SOFTMAX);
  }

  private static double[] binaryTargets() {
    double[] t = new double[N * K];
    for (int i = 0; i < t.length; i++) {
      t[i] = (i * 7 % 3) == 0 ? 1 : (i % 4 == 1 ? 0.3 : 0);
    }
    return t;
  }

  private static void checkFromPredictions(Loss loss, double[] p, double[] t) {
    double[] grad = new double[p.length];
    loss.fromPredictions(N, K, p, t, grad);
    check(
        loss.kerasName() + " from predictions",
        p,
        grad,
        v -> loss.fromPredictions(N, K, v, t, null));
  }

  private static void checkFromLogits(Loss loss, double[] t) {
    double[] z = random(N * K, 33);
    for (int i = 0; i < z.length; i++) {
      z[i] *= 4;
    }
    double[] grad = new double[z.length];
    loss.fromLogits(N, K, z, t, grad);
    check(loss.kerasName() + " from logits", z, grad, v -> loss.fromLogits(N, K, v, t, null));
  }

  @Test
  void sparseCategoricalCrossentropy() {
    Loss loss = new SparseCategoricalCrossentropy();
    checkFromPredictions(loss, probabilities(31, Activation.SOFTMAX), sparseLabels());
    checkFromLogits(loss, sparseLabels());
  }

  @Test
  void categoricalCrossentropy() {
    Loss loss = new CategoricalCrossentropy();
    checkFromPredictions(loss, probabilities(31, Activation.SOFTMAX), softTargets(32));
    checkFromLogits(loss, softTargets(34));
  }

  @Test
  void binaryCrossentropy() {
    Loss loss = new BinaryCrossentropy();
    checkFromPredictions(loss, probabilities(35, Activation.SIGMOID), binaryTargets());
    checkFromLogits(loss, binaryTargets());
  }

  @Test
  void meanSquaredError() {
    checkFromPredictions(new MeanSquaredError(), random(N * K, 36), random(N * K, 37));
  }

  @Test
  void fusedLossesMatchLossOfActivatedLogits() {
    double[] z = random(N * K, 38);
    double[] p = new double[z.length];
    Activation.SOFTMAX.forward(N, K, z, p);
    Loss sparse = new SparseCategoricalCrossentropy();
    assertEquals(
        sparse.fromPredictions(N, K, p, sparseLabels(), null),
        sparse.fromLogits(N, K, z, sparseLabels(), null),
        1e-12);
    Activation.SIGMOID.forward(N, K, z, p);
    Loss binary = new BinaryCrossentropy();
    assertEquals(
        binary.fromPredictions(N, K, p, binaryTargets(), null),
        binary.fromLogits(N, K, z, binaryTargets(), null),
        1e-12);
  }

  @Test
  void extremeLogitsGiveFiniteLossAndGradient() {
    double[] z = {1e4, -1e4, 0, 500, -500, 1e4, -1e4, 0, 500, -500};
    double[] labels = {1, 0};
    double[] grad = new double[10];
    double loss = new SparseCategoricalCrossentropy().fromLogits(2, 5, z, labels, grad);
    // Row 1 is confidently wrong (1e4 - (-1e4)), row 2 confidently right (0).
    assertEquals(2e4, loss, 1e-6, "log-sum-exp of a confident wrong answer");
    for (double g : grad) {
      assertTrue(Double.isFinite(g));
    }
    double[] bin = {1e4, -1e4};
    double[] bGrad = new double[2];
    double bLoss = new BinaryCrossentropy().fromLogits(1, 2, bin, new double[] {0, 0}, bGrad);
    assertEquals(1e4 / 2, bLoss, 1e-9);
    assertEquals(0.5, bGrad[0], 1e-12);
    assertEquals(0.0, bGrad[1], 1e-12);
  }

  @Test
  void probabilitiesOfExactlyZeroAndOneAreClippedNotNaN() {
    double[] p = {0, 1, 0, 0, 0};
    double[] grad = new double[5];
    double loss =
        new SparseCategoricalCrossentropy().fromPredictions(1, 5, p, new double[] {0}, grad);
    assertEquals(-Math.log(Loss.EPSILON), loss, 1e-9);
    for (double g : grad) {
      assertTrue(Double.isFinite(g));
    }
    double bLoss =
        new BinaryCrossentropy()
            .fromPredictions(1, 2, new double[] {0, 1}, new double[] {1, 0}, grad);
    assertEquals(-Math.log(Loss.EPSILON), bLoss, 1e-6);
  }
}
