package org.sparkcnn.core.optim;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/** Checks a saved optimizer state against what the optimizer keeps, before it is restored. */
final class OptimizerState {
  private OptimizerState() {}

  /**
   * The arrays of {@code slots}, in that order, after checking that {@code state} holds exactly
   * those slots with {@code paramCount} values each; null when the state is empty and {@code
   * iterations} is 0 (nothing applied yet).
   */
  static float[][] slots(
      String optimizer,
      long iterations,
      Map<String, float[]> state,
      int paramCount,
      List<String> slots) {
    if (iterations < 0) {
      throw ErrorText.problem("negative iterations")
          .in(optimizer + " state")
          .received(iterations)
          .expected("iterations >= 0")
          .illegalArgument();
    }
    if (state.isEmpty() && (iterations == 0 || slots.isEmpty())) {
      return null;
    }
    if (!state.keySet().equals(new HashSet<>(slots))) {
      throw ErrorText.problem("the wrong slots")
          .in(optimizer + " state")
          .received(state.keySet())
          .expected(String.valueOf(slots))
          .hint("the checkpoint was written with other optimizer settings")
          .illegalArgument();
    }
    float[][] out = new float[slots.size()][];
    for (int i = 0; i < out.length; i++) {
      float[] a = state.get(slots.get(i));
      if (a.length != paramCount) {
        throw ErrorText.problem("slot '" + slots.get(i) + "' has the wrong size")
            .in(optimizer + " state")
            .received(a.length + " values")
            .expected(paramCount + ", one per parameter")
            .illegalArgument();
      }
      out[i] = a.clone();
    }
    return out;
  }

  /**
   * Checks that {@code params[offset, offset + n)} exists and that an optimizer whose state (null
   * before the first update) covers {@code state.length} parameters updates a range of that length.
   */
  static void checkRange(String optimizer, float[] params, int offset, int n, float[] state) {
    if (offset < 0 || offset > params.length - n) {
      throw ErrorText.problem("the gradients' range is outside the parameters")
          .in(optimizer)
          .received("offset " + offset + " and " + n + " gradients")
          .expected("a range within the " + params.length + " parameters")
          .illegalArgument();
    }
    if (state != null && state.length != n) {
      throw ErrorText.problem("an update of another range's size")
          .in(optimizer)
          .received(n + " gradients")
          .expected(state.length + ", the size of the range this optimizer's state covers")
          .hint("use one optimizer per range")
          .illegalArgument();
    }
  }
}
