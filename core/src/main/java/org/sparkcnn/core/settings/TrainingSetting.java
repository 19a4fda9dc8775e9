package org.sparkcnn.core.settings;

import java.util.List;
import org.sparkcnn.core.errors.ErrorText;

/**
 * One training setting, declared once (in {@link TrainingSettings}): its job config key (Keras'
 * snake_case name), its Java/Spark ML name (camelCase), type, default, accepted values and
 * description. The job config keys, {@code CnnClassifier}'s Spark ML params, {@code FitOptions} and
 * {@code TrainerOptions} are built from it, so a default or a range is written in one place.
 *
 * @param key the job config key, e.g. {@code validation_split}
 * @param name the Spark ML param and Java option name, e.g. {@code validationSplit}
 * @param type Integer, Long, Double, Boolean, String or List (of strings)
 * @param defaultValue the default, of {@code type}
 * @param range the accepted numbers; null for booleans and strings
 * @param choices the accepted strings; null for numbers, booleans and free strings
 * @param description what it means, as the docs and Spark ML's param doc say it
 */
public record TrainingSetting<T>(
    String key,
    String name,
    Class<T> type,
    T defaultValue,
    Range range,
    List<String> choices,
    String description) {

  public TrainingSetting {
    if (!accepts(defaultValue, type, range, choices)) {
      throw new IllegalStateException(key + ": its default " + defaultValue + " is out of range");
    }
  }

  static TrainingSetting<Integer> integer(String key, int def, Range range, String description) {
    return new TrainingSetting<>(key, camel(key), Integer.class, def, range, null, description);
  }

  static TrainingSetting<Long> longInteger(String key, long def, String description) {
    return new TrainingSetting<>(key, camel(key), Long.class, def, Range.ANY, null, description);
  }

  static TrainingSetting<Double> number(String key, double def, Range range, String description) {
    return new TrainingSetting<>(key, camel(key), Double.class, def, range, null, description);
  }

  static TrainingSetting<Boolean> bool(String key, boolean def, String description) {
    return new TrainingSetting<>(key, camel(key), Boolean.class, def, null, null, description);
  }

  static TrainingSetting<String> choice(
      String key, String def, List<String> choices, String description) {
    return new TrainingSetting<>(
        key, camel(key), String.class, def, null, List.copyOf(choices), description);
  }

  static TrainingSetting<String> string(String key, String def, String description) {
    return new TrainingSetting<>(key, camel(key), String.class, def, null, null, description);
  }

  /** A list of strings whose default is the empty list. */
  @SuppressWarnings("unchecked")
  static TrainingSetting<List<String>> strings(String key, String description) {
    Class<List<String>> type = (Class<List<String>>) (Class<?>) List.class;
    return new TrainingSetting<>(key, camel(key), type, List.of(), null, null, description);
  }

  /** The same setting under another Java/Spark ML name (a public name older than this record). */
  TrainingSetting<T> named(String javaName) {
    return new TrainingSetting<>(key, javaName, type, defaultValue, range, choices, description);
  }

  /** Whether {@code value} (of any type) is one this setting takes. */
  public boolean accepts(Object value) {
    return accepts(value, type, range, choices);
  }

  /** What the setting accepts, in words: "a positive integer", "one of auto, jobs", … */
  public String expected() {
    if (type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return choices == null ? "a string" : "one of " + String.join(", ", choices);
    }
    if (type == List.class) {
      return "an array of strings";
    }
    return range.describe(type != Double.class);
  }

  /**
   * Returns {@code value} when this setting takes it, else throws the template error naming {@code
   * where} (how the caller names the setting, e.g. {@code "FitOptions.epochs"}).
   */
  public T check(T value, String where) {
    if (!accepts(value)) {
      throw ErrorText.problem("invalid value")
          .in(name.equals(key) ? where : where + " (" + key + ")")
          .received(String.valueOf(value))
          .expected(expected())
          .illegalArgument();
    }
    return value;
  }

  private static boolean accepts(Object v, Class<?> type, Range range, List<String> choices) {
    if (v == null) {
      return false;
    }
    if (type == Double.class) {
      return v instanceof Number n
          && Double.isFinite(n.doubleValue())
          && range.contains(n.doubleValue());
    }
    if (type == Integer.class || type == Long.class) {
      if (!(v instanceof Integer || v instanceof Long)) {
        return false;
      }
      long n = ((Number) v).longValue();
      boolean fits = type == Long.class || n == (int) n;
      return fits && range.contains(n);
    }
    if (type == Boolean.class) {
      return v instanceof Boolean;
    }
    if (type == List.class) {
      return v instanceof List<?> l && l.stream().allMatch(e -> e instanceof String);
    }
    return v instanceof String s && (choices == null || choices.contains(s));
  }

  private static String camel(String key) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char c : key.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }
}
