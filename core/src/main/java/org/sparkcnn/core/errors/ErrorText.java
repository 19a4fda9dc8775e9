package org.sparkcnn.core.errors;

import java.util.List;
import java.util.Map;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonException;

/**
 * The project's one error template: {@code where: what is wrong; received: …; expected: …; hint:
 * …}. Every module builds its messages here, so that config, model-file, data and job errors read
 * alike:
 *
 * <pre>
 * throw ErrorText.problem("epochs out of range").in("FitOptions")
 *     .received("0").expected("a positive integer").illegalArgument();
 * </pre>
 */
public final class ErrorText {

  /** Longest excerpt of a received value quoted in a message; hostile input can be huge. */
  public static final int MAX_EXCERPT = 80;

  private ErrorText() {}

  /** Starts a message about what is wrong, in a few words without a trailing period. */
  public static Builder problem(String what) {
    return new Builder(what);
  }

  /**
   * Joins the parts of the template; {@code received}, {@code expected} and {@code hint} may be
   * null, and are then left out.
   */
  public static String of(String what, String received, String expected, String hint) {
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
  public static String describe(Object value) {
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
  public static String quote(String s) {
    return excerpt(Json.writeCompact(s));
  }

  /** The JSON type of a value, with its article: "a string", "an array", … */
  public static String typeName(Object value) {
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
  public static String excerpt(String text) {
    if (text.length() <= MAX_EXCERPT) {
      return text;
    }
    return text.substring(0, MAX_EXCERPT) + "… (" + text.length() + " characters)";
  }

  /** The parts of one message; only the problem is required. */
  public static final class Builder {
    private String what;
    private String where;
    private String received;
    private String expected;
    private String hint;

    private Builder(String what) {
      this.what = what;
    }

    /**
     * Replaces what is wrong, for a builder that composes it last (DatasetException appends the
     * source and entry to its problem).
     */
    public Builder problem(String what) {
      this.what = what;
      return this;
    }

    /** What the message is about, as the user names it: a file, a config key, an option. */
    public Builder in(String where) {
      this.where = where;
      return this;
    }

    /** What was found; null leaves the part out (the string "null" says a null was found). */
    public Builder received(Object received) {
      this.received = received == null ? null : received.toString();
      return this;
    }

    public Builder expected(String expected) {
      this.expected = expected;
      return this;
    }

    /** The likely cause or the fix. */
    public Builder hint(String hint) {
      this.hint = hint;
      return this;
    }

    /** What was found, or null. */
    public String received() {
      return received;
    }

    /** What was expected, or null. */
    public String expected() {
      return expected;
    }

    /** The message: {@code where: what; received: …; expected: …; hint: …}. */
    public String text() {
      String body = of(what, received, expected, hint);
      return where == null ? body : where + ": " + body;
    }

    public IllegalArgumentException illegalArgument() {
      return new IllegalArgumentException(text());
    }

    @Override
    public String toString() {
      return text();
    }
  }
}
