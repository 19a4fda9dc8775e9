package org.sparkcnn.core.losses;

/** Mean squared error over the K outputs of an example: targets (N, K), any finite values. */
public final class MeanSquaredError implements Loss {
  @Override
  public String kerasName() {
    return "mse";
  }

  @Override
  public String checkTarget(float[] targets, int offset, int outputWidth) {
    return Loss.firstBadTarget(
        targets,
        offset,
        outputWidth,
        Double::isFinite,
        "target is not finite",
        "output",
        "a finite number");
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
