package org.sparkcnn.core.model;

import java.util.Arrays;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.losses.Loss;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Tensor;

/**
 * Checks a batch against the model before any work: shapes, non-finite inputs, targets. Every error
 * names the model, the example index, what was received and what was expected.
 */
final class InputChecks {
  private InputChecks() {}

  static void inputs(String model, Shape inputShape, Tensor x) {
    int[] s = x.shape();
    int[] expected = inputShape.dims();
    boolean ok =
        s.length == expected.length + 1
            && Arrays.equals(Arrays.copyOfRange(s, 1, s.length), expected);
    if (!ok) {
      throw ErrorText.problem("input of the wrong shape")
          .in(model)
          .received("shape " + Arrays.toString(s))
          .expected("shape (batch, " + inputShape.toString().substring(1))
          .hint(
              s.length != expected.length + 1
                  ? "the input has rank "
                      + s.length
                      + " but the model needs rank "
                      + (expected.length + 1)
                      + " (batch first); reshape it, e.g. to ["
                      + s[0]
                      + ", "
                      + inputShape.toString().substring(1).replace(")", "]")
                  : null)
          .illegalArgument();
    }
    finite(model, x.data(), x.batchSize(), inputShape.size(), 0);
  }

  /** Throws on the first NaN or infinity, naming its example (offset by firstExample). */
  static void finite(String model, float[] data, int n, int exampleSize, long firstExample) {
    for (int i = 0; i < n * exampleSize; i++) {
      if (!Float.isFinite(data[i])) {
        throw ErrorText.problem(
                "input is not finite at example "
                    + (firstExample + i / exampleSize)
                    + ", element "
                    + (i % exampleSize)
                    + " (of "
                    + exampleSize
                    + " per example)")
            .in(model)
            .received(data[i])
            .expected("a finite number")
            .hint("check the data source or its normalisation")
            .illegalArgument();
      }
    }
  }

  static void targets(String model, Loss loss, int outputWidth, Tensor y, int n) {
    int t = loss.targetWidth(outputWidth);
    int[] s = y.shape();
    boolean ok = s[0] == n && y.exampleSize() == t && (s.length == 2 || (s.length == 1 && t == 1));
    if (!ok) {
      String expected = t == 1 ? "(" + n + ",) or (" + n + ", 1)" : "(" + n + ", " + t + ")";
      throw ErrorText.problem("targets of the wrong shape for loss " + loss.kerasName())
          .in(model)
          .received("shape " + Arrays.toString(s))
          .expected(expected + " for " + n + " inputs and " + outputWidth + " outputs")
          .hint(t == 1 ? null : "use sparse_categorical_crossentropy for integer class labels")
          .illegalArgument();
    }
    targets(model, loss, outputWidth, y.data(), n, 0);
  }

  static void targets(
      String model, Loss loss, int outputWidth, float[] y, int n, long firstExample) {
    int t = loss.targetWidth(outputWidth);
    for (int b = 0; b < n; b++) {
      String problem = loss.checkTarget(y, b * t, outputWidth);
      if (problem != null) {
        throw new IllegalArgumentException(
            model + " target of example " + (firstExample + b) + ": " + problem);
      }
    }
  }
}
