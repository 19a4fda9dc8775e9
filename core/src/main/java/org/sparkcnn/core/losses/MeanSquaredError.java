package org.sparkcnn.core.losses;

/** Mean squared error over the K outputs of an example: targets (N, K), any finite values. */
public final class MeanSquaredError extends KerasLoss {
  public MeanSquaredError() {
    super(
        "mse",
        new TargetRule(Double::isFinite, "target is not finite", "output", "a finite number"));
  }

  @Override
  public double fromPredictions(int n, int width, double[] p, double[] t, double[] dp) {
    double loss = 0;
    for (int i = 0; i < n * width; i++) {
      double d = p[i] - t[i];
      loss += d * d / width;
      if (dp != null) {
        dp[i] = 2 * d / width;
      }
    }
    return loss;
  }
}
