package org.sparkcnn.core.metrics;

import org.sparkcnn.core.losses.BinaryCrossentropy;
import org.sparkcnn.core.losses.Loss;
import org.sparkcnn.core.losses.SparseCategoricalCrossentropy;

/**
 * Keras' "accuracy", resolved the way Keras resolves it from the loss and output width: sparse
 * categorical (argmax equals the class index), categorical (argmax equals the target's argmax), or
 * binary (prediction > 0.5 equals target, averaged over the outputs).
 */
public enum Accuracy {
  SPARSE_CATEGORICAL,
  CATEGORICAL,
  BINARY;

  public static Accuracy forLoss(Loss loss, int outputWidth) {
    if (loss instanceof SparseCategoricalCrossentropy) {
      return SPARSE_CATEGORICAL;
    }
    if (loss instanceof BinaryCrossentropy || outputWidth == 1) {
      return BINARY;
    }
    return CATEGORICAL;
  }

  /**
   * Sum over the n examples of each one's accuracy (0 or 1; a fraction for multi-output binary).
   */
  public double correct(int n, int width, float[] predictions, float[] targets) {
    double correct = 0;
    for (int b = 0; b < n; b++) {
      int o = b * width;
      switch (this) {
        case SPARSE_CATEGORICAL ->
            correct += argmax(predictions, o, width) == (int) targets[b] ? 1 : 0;
        case CATEGORICAL ->
            correct += argmax(predictions, o, width) == argmax(targets, o, width) ? 1 : 0;
        case BINARY -> {
          int hits = 0;
          for (int i = 0; i < width; i++) {
            hits += (predictions[o + i] > 0.5f ? 1 : 0) == (targets[o + i] > 0.5f ? 1 : 0) ? 1 : 0;
          }
          correct += (double) hits / width;
        }
      }
    }
    return correct;
  }

  /** Index of the first largest value, as numpy's argmax picks among ties. */
  public static int argmax(float[] v, int offset, int width) {
    int best = 0;
    for (int i = 1; i < width; i++) {
      if (v[offset + i] > v[offset + best]) {
        best = i;
      }
    }
    return best;
  }
}
