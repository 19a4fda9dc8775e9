package org.sparkcnn.core.optim;

import java.util.Locale;
import java.util.Map;

/**
 * A Keras optimizer over the model's flat parameter array. Its state (momentum, moments, step
 * count) is sized on the first {@link #apply} and lives with the optimizer; in distributed training
 * that is on the driver.
 */
public interface Optimizer {
  /** Keras' name: "sgd" or "adam". */
  String kerasName();

  /** One update: params -= f(grads), where grads is the gradient of the batch's MEAN loss. */
  void apply(float[] params, float[] grads);

  /** Number of updates applied so far (Keras' iterations). */
  long iterations();

  /** Keras' get_config(): name and hyper-parameters. */
  Map<String, Object> config();

  /**
   * The optimizer's state tensors by Keras' slot name ("momentum", "velocity"), each laid out like
   * the flat parameter array; empty before the first {@link #apply} or when the optimizer keeps
   * none (SGD without momentum). The arrays are the live state: copy them before the next apply.
   */
  Map<String, float[]> state();

  /**
   * Puts the optimizer where {@link #iterations} and {@link #state} say, so the next {@link #apply}
   * continues a saved run exactly. {@code state} must hold every slot this optimizer keeps, each of
   * {@code paramCount} values (or nothing at all when {@code iterations} is 0).
   */
  void restore(long iterations, Map<String, float[]> state, int paramCount);

  /** Builds "sgd" or "adam" from Keras' config keys; missing keys take Keras' defaults. */
  static Optimizer fromConfig(String name, Map<String, ?> config) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "sgd" -> Sgd.fromConfig(config);
      case "adam" -> Adam.fromConfig(config);
      default ->
          throw new IllegalArgumentException(
              "unknown optimizer; received \"" + name + "\", expected \"sgd\" or \"adam\"");
    };
  }
}
