package org.sparkcnn.core.io;

import java.util.List;
import java.util.Map;

/**
 * The project's one error template: {@code what is wrong; received: …; expected: …; hint: …}. Kept
 * in one place so that JSON, config and model-file errors read alike.
 */
final class ErrorText {

  /** Longest excerpt of a received value quoted in a message; hostile input can be huge. */
  static final int MAX_EXCERPT = 80;

  private ErrorText() {}

  /**
   * Joins the parts of the template; {@code received}, {@code expected} and {@code hint} may be
   * null, and are then left out.
   */
  static String of(String what, String received, String expected, String hint) {
    StringBuilder sb = new StringBuilder(what);
    if (received != null) {
      sb.append("; received: ").append(received);
    }
    if (expected != null) {
      sb.append("; expected: ").append(expected);
    }
    if (hint != null) {
      sb.append("; hint: ").append(hint);
    }
    return sb.toString();
  }

  /**
   * A parsed JSON value as a reader should see it in a message: compact JSON, cut short when long,
   * followed by its JSON type, e.g. {@code "32.5" (a string)}.
   */
  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    String text;
    try {
      text = excerpt(Json.writeCompact(value));
    } catch (JsonException e) {
      // Values built in Java (not parsed) may hold NaN or foreign types: still describe them.
      text = excerpt(String.valueOf(value));
    }
    return text + " (" + typeName(value) + ")";
  }

  /** A string as a JSON literal, cut short when long: {@code "name"}. */
  static String quote(String s) {
    return excerpt(Json.writeCompact(s));
  }

  /** The JSON type of a value, with its article: "a string", "an array", … */
  static String typeName(Object value) {
    if (value == null) {
      return "null";
    } else if (value instanceof String) {
      return "a string";
    } else if (value instanceof Boolean) {
      return "a boolean";
    } else if (value instanceof Number) {
      return "a number";
    } else if (value instanceof Map) {
      return "an object";
    } else if (value instanceof List) {
      return "an array";
    }
    return "a " + value.getClass().getSimpleName();
  }

  /** {@code text} cut to {@link #MAX_EXCERPT} characters, marking the cut. */
  static String excerpt(String text) {
    if (text.length() <= MAX_EXCERPT) {
      return text;
    }
    return text.substring(0, MAX_EXCERPT) + "… (" + text.length() + " characters)";
  }
}
