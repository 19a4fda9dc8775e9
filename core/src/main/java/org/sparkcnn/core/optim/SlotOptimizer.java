package org.sparkcnn.core.optim;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * What SGD and Adam keep between updates: the step count and Keras' named slots (arrays such as
 * "momentum" and "velocity", each indexed like the range the optimizer updates), with their saving,
 * checked restoring and sizing on the first update. A subclass names its slots and writes the
 * update itself.
 */
abstract class SlotOptimizer implements Optimizer {
  private final List<String> slotNames;
  // Null before the first update (or after restoring a state saved before one).
  private float[][] slots;
  private long iterations;

  /**
   * @param slotNames Keras' slot names, in the order {@link #beginUpdate} returns the arrays
   */
  SlotOptimizer(List<String> slotNames) {
    this.slotNames = List.copyOf(slotNames);
  }

  /**
   * Starts one update of {@code params[offset, offset + n)}: checks that the range exists and has
   * the size of the slots (sizing them, zeroed, on the first update), counts the update and returns
   * the slots in the order of their names.
   */
  final float[][] beginUpdate(float[] params, int offset, int n) {
    if (offset < 0 || offset > params.length - n) {
      throw ErrorText.problem("the gradients' range is outside the parameters")
          .in(kerasName())
          .received("offset " + offset + " and " + n + " gradients")
          .expected("a range within the " + params.length + " parameters")
          .illegalArgument();
    }
    if (slots == null) {
      slots = new float[slotNames.size()][n];
    } else if (slots.length > 0 && slots[0].length != n) {
      throw ErrorText.problem("an update of another range's size")
          .in(kerasName())
          .received(n + " gradients")
          .expected(slots[0].length + ", the size of the range this optimizer's state covers")
          .hint("use one optimizer per range")
          .illegalArgument();
    }
    iterations++;
    return slots;
  }

  @Override
  public final long iterations() {
    return iterations;
  }

  @Override
  public final Map<String, float[]> state() {
    Map<String, float[]> s = new LinkedHashMap<>();
    if (slots != null) {
      for (int i = 0; i < slots.length; i++) {
        s.put(slotNames.get(i), slots[i]);
      }
    }
    return s;
  }

  /**
   * Checks that {@code state} holds exactly this optimizer's slots with {@code paramCount} values
   * each (or nothing when {@code iterations} is 0 or there are no slots), then takes copies.
   */
  @Override
  public final void restore(long iterations, Map<String, float[]> state, int paramCount) {
    String where = kerasName() + " state";
    if (iterations < 0) {
      throw ErrorText.problem("negative iterations")
          .in(where)
          .received(iterations)
          .expected("iterations >= 0")
          .illegalArgument();
    }
    if (state.isEmpty() && (iterations == 0 || slotNames.isEmpty())) {
      this.iterations = iterations;
      slots = null;
      return;
    }
    if (!state.keySet().equals(new HashSet<>(slotNames))) {
      throw ErrorText.problem("the wrong slots")
          .in(where)
          .received(state.keySet())
          .expected(String.valueOf(slotNames))
          .hint("the checkpoint was written with other optimizer settings")
          .illegalArgument();
    }
    float[][] restored = new float[slotNames.size()][];
    for (int i = 0; i < restored.length; i++) {
      float[] a = state.get(slotNames.get(i));
      if (a.length != paramCount) {
        throw ErrorText.problem("slot '" + slotNames.get(i) + "' has the wrong size")
            .in(where)
            .received(a.length + " values")
            .expected(paramCount + ", one per parameter")
            .illegalArgument();
      }
      restored[i] = a.clone();
    }
    this.iterations = iterations;
    slots = restored;
  }
}
