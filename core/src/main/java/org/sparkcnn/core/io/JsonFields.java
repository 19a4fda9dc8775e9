package org.sparkcnn.core.io;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Typed reads of fields from parsed JSON objects, with errors that name where the field is.
 *
 * <p>Every method takes a {@code path}: how a user would name the object holding the field, e.g.
 * {@code "layer 'conv2d' (Conv2D)"} or {@code "job config"}. Errors then read
 *
 * <pre>
 * layer 'conv2d' (Conv2D) field 'filters': invalid value; received: "32.5" (a string);
 *     expected: a positive integer</pre>
 *
 * <p>Conventions: {@code get…} requires the field; {@code getOptional…} returns the given default
 * when the field is absent <em>or null</em>, because Keras writes null for "use the default"
 * ({@code "seed": null}, {@code "strides": null}). Integers are accepted as JSON numbers with an
 * integral value ({@code 32} or {@code 32.0}, not {@code 32.5} or {@code "32"}).
 */
public final class JsonFields {

  private static final String PAIR = "a positive integer or an array of 2 positive integers";

  private JsonFields() {}

  // ---- objects and keys ----

  /**
   * Casts a parsed value to an object.
   *
   * @param what how errors name the value, e.g. {@code "model.json"} or {@code "layers[2]"}
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> asObject(Object value, String what) {
    if (value instanceof Map) {
      return (Map<String, Object>) value;
    }
    throw new JsonException(
        what
            + ": "
            + ErrorText.of(
                "not a JSON object", ErrorText.describe(value), "a JSON object {…}", null));
  }

  /**
   * Rejects keys outside {@code allowed}, naming each unknown key and every supported one, with a
   * "did you mean" for near misses. Unknown keys are errors rather than ignored so that a typo in a
   * config ({@code "epoch": 5}) cannot silently fall back to a default.
   */
  public static void requireOnlyKeys(Map<String, ?> map, Set<String> allowed, String path) {
    List<String> unknown = new ArrayList<>();
    for (String key : map.keySet()) {
      if (!allowed.contains(key)) {
        unknown.add(key);
      }
    }
    if (unknown.isEmpty()) {
      return;
    }
    String hint = null;
    String suggestion = closest(unknown.get(0), allowed);
    if (suggestion != null) {
      hint = "did you mean '" + suggestion + "' instead of '" + unknown.get(0) + "'?";
    }
    throw new JsonException(
        path
            + ": "
            + ErrorText.of(
                (unknown.size() == 1 ? "unknown field" : "unknown fields"),
                quoteAll(unknown),
                "only the supported fields " + quoteAll(new TreeSet<>(allowed)),
                hint));
  }

  public static Map<String, Object> getObject(Map<String, ?> map, String key, String path) {
    Object value = require(map, key, path, "a JSON object {…}");
    if (!(value instanceof Map)) {
      throw fieldError(path, key, value, "a JSON object {…}");
    }
    return asObject(value, path);
  }

  @SuppressWarnings("unchecked")
  public static List<Object> getList(Map<String, ?> map, String key, String path) {
    Object value = require(map, key, path, "a JSON array […]");
    if (!(value instanceof List)) {
      throw fieldError(path, key, value, "a JSON array […]");
    }
    return (List<Object>) value;
  }

  /** An array whose every element is an object, e.g. Keras' {@code "layers"}. */
  public static List<Map<String, Object>> getObjectList(
      Map<String, ?> map, String key, String path) {
    List<Object> list = getList(map, key, path);
    List<Map<String, Object>> objects = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      objects.add(asObject(list.get(i), fieldName(path, key) + " element " + i));
    }
    return objects;
  }

  // ---- strings and booleans ----

  public static String getString(Map<String, ?> map, String key, String path) {
    return string(require(map, key, path, "a string"), path, key);
  }

  public static String getOptionalString(
      Map<String, ?> map, String key, String path, String defaultValue) {
    return orDefault(map, key, defaultValue, value -> string(value, path, key));
  }

  /** A string that must be one of {@code choices}, e.g. padding "valid" or "same". */
  public static String getChoice(
      Map<String, ?> map, String key, String path, Collection<String> choices) {
    return choice(require(map, key, path, "one of " + quoteAll(choices)), path, key, choices);
  }

  public static String getOptionalChoice(
      Map<String, ?> map,
      String key,
      String path,
      Collection<String> choices,
      String defaultValue) {
    return orDefault(map, key, defaultValue, value -> choice(value, path, key, choices));
  }

  public static boolean getBoolean(Map<String, ?> map, String key, String path) {
    return bool(require(map, key, path, "true or false"), path, key);
  }

  public static boolean getOptionalBoolean(
      Map<String, ?> map, String key, String path, boolean defaultValue) {
    return orDefault(map, key, defaultValue, value -> bool(value, path, key));
  }

  // ---- numbers ----

  public static int getInt(Map<String, ?> map, String key, String path) {
    return intIn(require(map, key, path, "an integer"), path, key, Integer.MIN_VALUE, "an integer");
  }

  public static int getOptionalInt(Map<String, ?> map, String key, String path, int defaultValue) {
    return orDefault(
        map, key, defaultValue, value -> intIn(value, path, key, Integer.MIN_VALUE, "an integer"));
  }

  /** An integer ≥ 1, e.g. {@code filters}, {@code units}, {@code epochs}. */
  public static int getPositiveInt(Map<String, ?> map, String key, String path) {
    return intIn(require(map, key, path, "a positive integer"), path, key, 1, "a positive integer");
  }

  public static int getOptionalPositiveInt(
      Map<String, ?> map, String key, String path, int defaultValue) {
    return orDefault(
        map, key, defaultValue, value -> intIn(value, path, key, 1, "a positive integer"));
  }

  public static long getLong(Map<String, ?> map, String key, String path) {
    return toLong(require(map, key, path, "an integer"), path, key, "an integer");
  }

  public static long getOptionalLong(
      Map<String, ?> map, String key, String path, long defaultValue) {
    return orDefault(map, key, defaultValue, value -> toLong(value, path, key, "an integer"));
  }

  /** Any finite number, integral or not; callers check ranges, with {@link #fieldError}. */
  public static double getDouble(Map<String, ?> map, String key, String path) {
    return toDouble(require(map, key, path, "a number"), path, key);
  }

  public static double getOptionalDouble(
      Map<String, ?> map, String key, String path, double defaultValue) {
    return orDefault(map, key, defaultValue, value -> toDouble(value, path, key));
  }

  /**
   * A pair of positive integers written either as one integer ({@code 3} means {@code [3, 3]}) or
   * as a two-element array, as Keras accepts for {@code kernel_size}, {@code strides}, {@code
   * pool_size} and {@code dilation_rate}.
   *
   * @return a new {@code int[2]}
   */
  public static int[] getPositiveIntPair(Map<String, ?> map, String key, String path) {
    return pair(require(map, key, path, PAIR), path, key);
  }

  /** As {@link #getPositiveIntPair}, or a copy of {@code defaultValue} when absent or null. */
  public static int[] getOptionalPositiveIntPair(
      Map<String, ?> map, String key, String path, int[] defaultValue) {
    Object value = map.get(key);
    return value == null ? defaultValue.clone() : pair(value, path, key);
  }

  // ---- errors ----

  /**
   * The error for a field whose value is present but wrong, for checks this class does not make
   * itself (ranges, cross-field rules), so that all field errors read alike.
   *
   * @param expected what would have been accepted, e.g. {@code "a number in [0, 1)"}
   */
  public static JsonException fieldError(
      String path, String key, Object received, String expected) {
    return new JsonException(
        fieldName(path, key)
            + ": "
            + ErrorText.of("invalid value", ErrorText.describe(received), expected, null));
  }

  // ---- conversions ----

  private static Object require(Map<String, ?> map, String key, String path, String expected) {
    Object value = map.get(key);
    if (value == null) {
      boolean present = map.containsKey(key);
      throw new JsonException(
          fieldName(path, key)
              + ": "
              + ErrorText.of(
                  present ? "null value" : "missing field",
                  present
                      ? "null"
                      : "no field '" + key + "' (fields present: " + quoteAll(map.keySet()) + ")",
                  expected,
                  null));
    }
    return value;
  }

  /** The value of {@code key} converted, or {@code defaultValue} when it is absent or null. */
  private static <T> T orDefault(
      Map<String, ?> map, String key, T defaultValue, Function<Object, T> convert) {
    Object value = map.get(key);
    return value == null ? defaultValue : convert.apply(value);
  }

  private static String string(Object value, String path, String key) {
    if (!(value instanceof String)) {
      throw fieldError(path, key, value, "a string");
    }
    return (String) value;
  }

  private static String choice(Object value, String path, String key, Collection<String> choices) {
    if (!(value instanceof String) || !choices.contains(value)) {
      throw fieldError(path, key, value, "one of " + quoteAll(choices));
    }
    return (String) value;
  }

  private static boolean bool(Object value, String path, String key) {
    if (!(value instanceof Boolean)) {
      throw fieldError(path, key, value, "true or false");
    }
    return (Boolean) value;
  }

  private static int intIn(Object value, String path, String key, int min, String expected) {
    long v = toLong(value, path, key, expected);
    if (v < min || v > Integer.MAX_VALUE) {
      throw fieldError(
          path,
          key,
          value,
          expected + (v > Integer.MAX_VALUE ? " at most " + Integer.MAX_VALUE : ""));
    }
    return (int) v;
  }

  /** Integral numbers only: a Long, a small integer type, or a Double with no fraction. */
  private static long toLong(Object value, String path, String key, String expected) {
    if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      // 2^63 itself is out of range; every double below it in magnitude converts exactly.
      if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
        return (long) d;
      }
    }
    throw fieldError(path, key, value, expected);
  }

  private static double toDouble(Object value, String path, String key) {
    if (value instanceof Number) {
      double d = ((Number) value).doubleValue();
      if (Double.isFinite(d)) {
        return d;
      }
    }
    throw fieldError(path, key, value, "a finite number");
  }

  private static int[] pair(Object value, String path, String key) {
    if (value instanceof List) {
      List<?> list = (List<?>) value;
      if (list.size() == 2) {
        int[] result = new int[2];
        for (int i = 0; i < 2; i++) {
          if (!(list.get(i) instanceof Number)) {
            throw fieldError(path, key, value, PAIR);
          }
          result[i] = intIn(list.get(i), path, key, 1, PAIR);
        }
        return result;
      }
      throw fieldError(path, key, value, PAIR);
    }
    if (!(value instanceof Number)) {
      throw fieldError(path, key, value, PAIR);
    }
    int v = intIn(value, path, key, 1, PAIR);
    return new int[] {v, v};
  }

  private static String fieldName(String path, String key) {
    return (path == null || path.isEmpty() ? "" : path + " ") + "field '" + key + "'";
  }

  private static String quoteAll(Collection<String> names) {
    StringBuilder sb = new StringBuilder();
    for (String name : names) {
      sb.append(sb.length() == 0 ? "" : ", ").append('\'').append(name).append('\'');
    }
    return sb.length() == 0 ? "none" : sb.toString();
  }

  /** The allowed key nearest to {@code key} by edit distance, if near enough to be a typo. */
  private static String closest(String key, Set<String> allowed) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : new TreeSet<>(allowed)) {
      int d = editDistance(key, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    // Two edits catch swapped or doubled letters; short keys get one, or all would match.
    return bestDistance <= (key.length() <= 3 ? 1 : 2) ? best : null;
  }

  /** Levenshtein distance, two rows; keys are short, so the quadratic cost is nothing. */
  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
