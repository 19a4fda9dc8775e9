package org.sparkcnn.core.optim;

import java.util.Map;
import java.util.Set;

/** Reads an optimizer's hyper-parameters from a Keras-style config map, strictly. */
final class OptimizerConfig {
  private OptimizerConfig() {}

  static void requireOnly(String optimizer, Map<String, ?> config, Set<String> allowed) {
    for (String key : config.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            "unknown "
                + optimizer
                + " setting; received \""
                + key
                + "\", expected one of "
                + allowed);
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
      throw new IllegalArgumentException(
          optimizer
              + " setting '"
              + key
              + "' is out of range; "
              + "received "
              + v
              + ", expected a number in ["
              + min
              + ", "
              + max
              + "]");
    }
    return ((Number) v).doubleValue();
  }

  static boolean flag(String optimizer, Map<String, ?> config, String key, boolean fallback) {
    Object v = config.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Boolean)) {
      throw new IllegalArgumentException(
          optimizer + " setting '" + key + "' must be true or false; received " + v);
    }
    return (Boolean) v;
  }
}
