package org.sparkcnn.core.tensor;

import java.util.Locale;
import org.sparkcnn.core.errors.ErrorText;

/** Keras' two padding modes for sliding windows. */
public enum Padding {
  /** No padding: out = floor((in - k) / s) + 1, and the window must fit: in >= k. */
  VALID,
  /**
   * Zero padding so that out = ceil(in / s). The total padding max((out - 1) * s + k - in, 0) is
   * split like TensorFlow: the smaller half before (top/left), the extra element after.
   */
  SAME;

  public String kerasName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Padding fromKeras(String name) {
    for (Padding p : values()) {
      if (p.kerasName().equals(name)) {
        return p;
      }
    }
    throw ErrorText.problem("unknown padding")
        .received(ErrorText.quote(name))
        .expected("\"valid\" or \"same\"")
        .illegalArgument();
  }

  /** Output length along one axis, or 0 when a "valid" window does not fit. */
  public int outputLength(int in, int k, int s) {
    return this == VALID ? (in < k ? 0 : (in - k) / s + 1) : (in + s - 1) / s;
  }

  /** Padding before the first element along one axis (top or left). */
  public int padBefore(int in, int k, int s) {
    if (this == VALID) {
      return 0;
    }
    int total = Math.max((outputLength(in, k, s) - 1) * s + k - in, 0);
    return total / 2;
  }
}
