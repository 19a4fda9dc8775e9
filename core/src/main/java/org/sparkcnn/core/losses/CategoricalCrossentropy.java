package org.sparkcnn.core.losses;

import org.sparkcnn.core.activations.Activation;

/** Cross-entropy against a target distribution per example (one-hot or soft): targets (N, K). */
public final class CategoricalCrossentropy extends KerasLoss {
  public CategoricalCrossentropy() {
    super(
        "categorical_crossentropy",
        new TargetRule(
            t -> t >= 0 && t <= 1,
            "target probability out of range",
            "class",
            "a value in [0, 1] (one-hot or soft labels)"));
  }

  @Override
  public double fromPredictions(int n, int width, double[] p, double[] t, double[] dp) {
    double loss = 0;
    for (int b = 0; b < n; b++) {
      loss += LogSumExp.fromProbabilities(p, b * width, width, t, b * width, dp);
    }
    return loss;
  }

  @Override
  public boolean fusesWith(Activation activation) {
    return activation == Activation.SOFTMAX;
  }

  /** loss = sum_i t_i (logsumexp(z) - z_i); dz_i = softmax(z)_i sum(t) - t_i. */
  @Override
  public double fromLogits(int n, int width, double[] z, double[] t, double[] dz) {
    double loss = 0;
    for (int b = 0; b < n; b++) {
      int o = b * width;
      double lse = LogSumExp.of(z, o, width);
      double targetSum = 0;
      for (int i = 0; i < width; i++) {
        loss += t[o + i] * (lse - z[o + i]);
        targetSum += t[o + i];
      }
      if (dz != null) {
        for (int i = 0; i < width; i++) {
          dz[o + i] = Math.exp(z[o + i] - lse) * targetSum - t[o + i];
        }
      }
    }
    return loss;
  }
}
