package org.sparkcnn.core.losses;

import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.errors.ErrorText;

/** Cross-entropy against an integer class index per example: targets (N, 1), classes [0, K). */
public final class SparseCategoricalCrossentropy extends KerasLoss {
  public SparseCategoricalCrossentropy() {
    super("sparse_categorical_crossentropy", null);
  }

  @Override
  public int targetWidth(int outputWidth) {
    return 1;
  }

  @Override
  public String checkTarget(float[] targets, int offset, int outputWidth) {
    float label = targets[offset];
    if (label != Math.rint(label) || label < 0 || label >= outputWidth) {
      return ErrorText.of(
          "label out of range",
          String.valueOf(label),
          "an integer class index in [0, " + (outputWidth - 1) + "]",
          "the model has " + outputWidth + " outputs");
    }
    return null;
  }

  @Override
  public double fromPredictions(int n, int width, double[] p, double[] targets, double[] dp) {
    double[] oneHot = new double[width];
    double loss = 0;
    for (int b = 0; b < n; b++) {
      int label = (int) targets[b];
      oneHot[label] = 1;
      loss += LogSumExp.fromProbabilities(p, b * width, width, oneHot, 0, dp);
      oneHot[label] = 0;
    }
    return loss;
  }

  @Override
  public boolean fusesWith(Activation activation) {
    return activation == Activation.SOFTMAX;
  }

  /** loss = logsumexp(z) - z[label]; dz = softmax(z) - onehot(label). */
  @Override
  public double fromLogits(int n, int width, double[] z, double[] targets, double[] dz) {
    double loss = 0;
    for (int b = 0; b < n; b++) {
      int o = b * width;
      int label = (int) targets[b];
      double lse = LogSumExp.of(z, o, width);
      loss += lse - z[o + label];
      if (dz != null) {
        for (int i = 0; i < width; i++) {
          dz[o + i] = Math.exp(z[o + i] - lse) - (i == label ? 1 : 0);
        }
      }
    }
    return loss;
  }
}
