package org.sparkcnn.core.losses;

import org.sparkcnn.core.activations.Activation;

/**
 * Binary cross-entropy, averaged over the K outputs of an example (each an independent yes/no):
 * targets (N, K) in [0, 1].
 */
public final class BinaryCrossentropy extends KerasLoss {
  public BinaryCrossentropy() {
    super(
        "binary_crossentropy",
        new TargetRule(
            t -> t >= 0 && t <= 1, "binary target out of range", "output", "a value in [0, 1]"));
  }

  /** Keras: p clipped to [eps, 1 - eps], loss = -(t log p + (1 - t) log(1 - p)). */
  @Override
  public double fromPredictions(int n, int width, double[] p, double[] t, double[] dp) {
    double loss = 0;
    for (int i = 0; i < n * width; i++) {
      double q = Math.min(Math.max(p[i], EPSILON), 1 - EPSILON);
      loss -= (t[i] * Math.log(q) + (1 - t[i]) * Math.log(1 - q)) / width;
      if (dp != null) {
        boolean clipped = p[i] < EPSILON || p[i] > 1 - EPSILON;
        dp[i] = clipped ? 0 : (-t[i] / q + (1 - t[i]) / (1 - q)) / width;
      }
    }
    return loss;
  }

  @Override
  public boolean fusesWith(Activation activation) {
    return activation == Activation.SIGMOID;
  }

  /** loss = max(z, 0) - z t + log(1 + exp(-|z|)); dz = sigmoid(z) - t (each over K). */
  @Override
  public double fromLogits(int n, int width, double[] z, double[] t, double[] dz) {
    double loss = 0;
    for (int i = 0; i < n * width; i++) {
      loss += (Math.max(z[i], 0) - z[i] * t[i] + Math.log1p(Math.exp(-Math.abs(z[i])))) / width;
      if (dz != null) {
        dz[i] = (Activation.sigmoid(z[i]) - t[i]) / width;
      }
    }
    return loss;
  }
}
