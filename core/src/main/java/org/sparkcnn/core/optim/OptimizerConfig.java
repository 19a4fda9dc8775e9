package org.sparkcnn.core.optim;

import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;

/** Reads an optimizer's hyper-parameters from a Keras-style config map, strictly. */
final class OptimizerConfig {
  private OptimizerConfig() {}

  static void requireOnly(String optimizer, Map<String, ?> config, Set<String> allowed) {
    for (String key : config.keySet()) {
      if (!allowed.contains(key)) {
        throw ErrorText.problem("unknown setting")
            .in(optimizer)
            .received(ErrorText.quote(key))
            .expected("one of " + allowed)
            .illegalArgument();
      }
    }
  }

  static double number(
      String optimizer,
      Map<String, ?> config,
      String key,
      double fallback,
      double min,
      double max) {
    Object v = config.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number)
        || !(((Number) v).doubleValue() >= min)
        || !(((Number) v).doubleValue() <= max)) {
      throw ErrorText.problem("setting '" + key + "' is out of range")
          .in(optimizer)
          .received(ErrorText.describe(v))
          .expected("a number in [" + min + ", " + max + "]")
          .illegalArgument();
    }
    return ((Number) v).doubleValue();
  }

  static boolean flag(String optimizer, Map<String, ?> config, String key, boolean fallback) {
    Object v = config.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Boolean)) {
      throw ErrorText.problem("setting '" + key + "' is not a boolean")
          .in(optimizer)
          .received(ErrorText.describe(v))
          .expected("true or false")
          .illegalArgument();
    }
    return (Boolean) v;
  }
}
