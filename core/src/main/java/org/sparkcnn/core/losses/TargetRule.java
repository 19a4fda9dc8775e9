package org.sparkcnn.core.losses;

import java.util.function.DoublePredicate;
import org.sparkcnn.core.errors.ErrorText;

/**
 * What each target of a loss with one target per output must satisfy, and how to say it when one
 * does not.
 *
 * @param ok true for a valid target value
 * @param problem what is wrong with a failing value, e.g. "binary target out of range"
 * @param unit what a target position is called in the message: "output" or "class"
 * @param expected what a valid value is, e.g. "a value in [0, 1]"
 */
record TargetRule(DoublePredicate ok, String problem, String unit, String expected) {
  /** Null if every target of the example at offset is valid, else the message for the first. */
  String firstBroken(float[] targets, int offset, int outputWidth) {
    for (int i = 0; i < outputWidth; i++) {
      float t = targets[offset + i];
      if (!ok.test(t)) {
        return ErrorText.of(problem + " at " + unit + " " + i, String.valueOf(t), expected, null);
      }
    }
    return null;
  }
}
