package org.sparkcnn.core.optim;

import java.util.Locale;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A Keras optimizer over the model's flat parameter array, or over one range of it. Its state
 * (momentum, moments, step count) is sized on the first {@link #apply} to the range it updates and
 * lives with the optimizer. Every parameter's update depends only on its own gradient, its own
 * state and the step count, with the same float operations in the same order whatever the range:
 * optimizers that each update one range of a partition of the parameters (distributed training's
 * sharded topology: one per executor) give the whole update's bits.
 */
public interface Optimizer {
  /** Keras' name: "sgd" or "adam". */
  String kerasName();

  /** One update: params -= f(grads), where grads is the gradient of the batch's MEAN loss. */
  default void apply(float[] params, float[] grads) {
    if (grads.length != params.length) {
      throw ErrorText.problem("one gradient per parameter")
          .in(kerasName())
          .received(grads.length + " gradients")
          .expected(String.valueOf(params.length))
          .hint("to update a range of the parameters, use apply(params, offset, grads)")
          .illegalArgument();
    }
    apply(params, 0, grads);
  }

  /**
   * One update of the range {@code params[offset, offset + grads.length)}: grads is the gradient of
   * the batch's MEAN loss over that range, and the optimizer's state covers that range alone (so
   * one optimizer always updates the same range).
   */
  void apply(float[] params, int offset, float[] grads);

  /** Number of updates applied so far (Keras' iterations). */
  long iterations();

  /** Keras' get_config(): name and hyper-parameters. */
  Map<String, Object> config();

  /**
   * The optimizer's state tensors by Keras' slot name ("momentum", "velocity"), each laid out like
   * the range it updates (the flat parameter array, or one range of it); empty before the first
   * {@link #apply} or when the optimizer keeps none (SGD without momentum). The arrays are the live
   * state: copy them before the next apply.
   */
  Map<String, float[]> state();

  /**
   * Puts the optimizer where {@link #iterations} and {@link #state} say, so the next {@link #apply}
   * continues a saved run exactly. {@code state} must hold every slot this optimizer keeps, each of
   * {@code paramCount} values (or nothing at all when {@code iterations} is 0). Restoring one range
   * of each slot (and that range's length as {@code paramCount}) continues that range's updates.
   */
  void restore(long iterations, Map<String, float[]> state, int paramCount);

  /** Builds "sgd" or "adam" from Keras' config keys; missing keys take Keras' defaults. */
  static Optimizer fromConfig(String name, Map<String, ?> config) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "sgd" -> Sgd.fromConfig(config);
      case "adam" -> Adam.fromConfig(config);
      default ->
          throw ErrorText.problem("unknown optimizer")
              .received(ErrorText.quote(name))
              .expected("\"sgd\" or \"adam\"")
              .illegalArgument();
    };
  }
}
