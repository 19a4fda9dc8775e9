package org.sparkcnn.spark.job;

/**
 * One job config key, declared once: its Keras-style name, default (a JSON value; null when the key
 * is optional and has no default), whether it must be given, what it means, and how its value is
 * checked.
 */
record Setting(String key, Object defaultValue, boolean required, String description, Check check) {

  /**
   * Checks a present, non-null value and returns it normalised (e.g. 5.0 → 5L); throws a
   * JsonException naming the key.
   */
  @FunctionalInterface
  interface Check {
    Object apply(Object value, String path, String key);
  }
}
