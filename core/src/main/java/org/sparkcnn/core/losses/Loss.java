package org.sparkcnn.core.losses;

import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A Keras loss, in double precision. Shapes: predictions (N, K) where K is the model's output
 * width; targets (N, T) with T = {@link #targetWidth(int)}. Methods return the SUM of the
 * per-example losses (Keras reports their mean: divide by N) and write the gradient of that sum.
 *
 * <p>When the model's last activation is one this loss {@link #fusesWith}, the model calls {@link
 * #fromLogits} on the pre-activation values instead: cross-entropy is then computed with
 * log-sum-exp, so it stays finite for any logits and for probabilities of exactly 0 or 1, as Keras
 * does when it finds the logits behind a softmax or sigmoid output.
 */
public interface Loss {
  /** Keras' name, e.g. "sparse_categorical_crossentropy". */
  String kerasName();

  /** Target values per example for an output of width K: one per output unless overridden. */
  default int targetWidth(int outputWidth) {
    return outputWidth;
  }

  /**
   * Checks one example's targets, e.g. that a class index is an integer in [0, K).
   *
   * @return null if valid, else what is wrong, received and expected
   */
  String checkTarget(float[] targets, int offset, int outputWidth);

  /** Sum of losses from probabilities; dPredictions (may be null) gets d(sum)/d(prediction). */
  double fromPredictions(
      int n, int width, double[] predictions, double[] targets, double[] dPredictions);

  /** True if {@link #fromLogits} handles this output activation. */
  default boolean fusesWith(Activation activation) {
    return false;
  }

  /** Sum of losses of activation(logits); dLogits (may be null) gets d(sum)/d(logits). */
  default double fromLogits(int n, int width, double[] logits, double[] targets, double[] dLogits) {
    throw new UnsupportedOperationException(kerasName() + " does not fuse with an activation");
  }

  /** Keras' clipping epsilon for losses computed from probabilities. */
  double EPSILON = 1e-7;

  static Loss fromKeras(String name) {
    return switch (name) {
      case "sparse_categorical_crossentropy" -> new SparseCategoricalCrossentropy();
      case "categorical_crossentropy" -> new CategoricalCrossentropy();
      case "binary_crossentropy" -> new BinaryCrossentropy();
      case "mse", "mean_squared_error" -> new MeanSquaredError();
      default ->
          throw ErrorText.problem("unknown loss")
              .received(ErrorText.quote(name))
              .expected(
                  "one of sparse_categorical_crossentropy, categorical_crossentropy, "
                      + "binary_crossentropy, mse (or mean_squared_error)")
              .illegalArgument();
    };
  }
}
