package org.sparkcnn.core.losses;

/** Numerically stable pieces shared by the cross-entropies. */
final class LogSumExp {
  private LogSumExp() {}

  /** log(sum_i exp(z[o + i])) for i in [0, width), without overflow. */
  static double of(double[] z, int o, int width) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < width; i++) {
      max = Math.max(max, z[o + i]);
    }
    double sum = 0;
    for (int i = 0; i < width; i++) {
      sum += Math.exp(z[o + i] - max);
    }
    return max + Math.log(sum);
  }

  /** Keras' categorical cross-entropy from probabilities: normalise, clip, -sum t log q. */
  static double fromProbabilities(double[] p, int o, int width, double[] t, int to, double[] dp) {
    double s = 0;
    double targetSum = 0;
    for (int i = 0; i < width; i++) {
      s += p[o + i];
      targetSum += t[to + i];
    }
    double loss = 0;
    double unclippedTargetSum = 0;
    for (int i = 0; i < width; i++) {
      double q = p[o + i] / s;
      if (q < Loss.EPSILON || q > 1 - Loss.EPSILON) {
        loss -= t[to + i] * Math.log(Math.min(Math.max(q, Loss.EPSILON), 1 - Loss.EPSILON));
      } else {
        loss -= t[to + i] * Math.log(q);
        unclippedTargetSum += t[to + i];
      }
    }
    if (dp != null) {
      // L = -sum_i t_i log(p_i / S): dL/dp_j = (-t_j / q_j [j unclipped] + sum_i t_i [i unclipped])
      // / S
      for (int j = 0; j < width; j++) {
        double q = p[o + j] / s;
        boolean clipped = q < Loss.EPSILON || q > 1 - Loss.EPSILON;
        dp[o + j] = ((clipped ? 0 : -t[to + j] / q) + unclippedTargetSum) / s;
      }
    }
    return loss;
  }
}
