package org.sparkcnn.core.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Writes Java values as JSON text; see {@link Json#write(Object)} for the supported types.
 *
 * <p>Pretty output matches Python's {@code json.dumps(value, indent=2, ensure_ascii=False)} for the
 * same values (key order kept); compact output matches {@code serde_json} and {@code
 * JSON.stringify}, which is what the safetensors reference writes in its header.
 */
final class JsonWriter {

  private final StringBuilder out = new StringBuilder();
  private final boolean pretty;

  /** Keys and indices from the root to the value being written, for error messages. */
  private final List<Object> path = new ArrayList<>();

  /** Nesting of the value being written; its limit also stops a map or list that holds itself. */
  private int depth;

  private JsonWriter(boolean pretty) {
    this.pretty = pretty;
  }

  static String write(Object value, boolean pretty) {
    JsonWriter writer = new JsonWriter(pretty);
    writer.value(value);
    return writer.out.toString();
  }

  private void value(Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String) {
      string((String) value);
    } else if (value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte) {
      out.append(value);
    } else if (value instanceof Double) {
      double d = (Double) value;
      checkFinite(Double.isNaN(d) || Double.isInfinite(d), value);
      out.append(Double.toString(d));
    } else if (value instanceof Float) {
      // Float.toString, not a widening to double: 0.001f must stay "0.001".
      float f = (Float) value;
      checkFinite(Float.isNaN(f) || Float.isInfinite(f), value);
      out.append(Float.toString(f));
    } else if (value instanceof Map) {
      object((Map<?, ?>) value);
    } else if (value instanceof List) {
      array((List<?>) value);
    } else {
      throw error(
          "value of unsupported type",
          value.getClass().getName(),
          "null, String, Boolean, Integer, Long, Short, Byte, Float, Double, Map or List",
          null);
    }
  }

  private void object(Map<?, ?> map) {
    enter();
    if (map.isEmpty()) {
      out.append("{}");
    } else {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!(entry.getKey() instanceof String)) {
          throw error(
              "object key is not a string",
              ErrorText.typeName(entry.getKey()) + " " + entry.getKey(),
              "a String key",
              null);
        }
        String key = (String) entry.getKey();
        separator(first);
        first = false;
        string(key);
        out.append(pretty ? ": " : ":");
        path.add(key);
        value(entry.getValue());
        path.remove(path.size() - 1);
      }
      newline(path.size());
      out.append('}');
    }
    leave();
  }

  private void array(List<?> list) {
    enter();
    if (list.isEmpty()) {
      out.append("[]");
    } else {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        separator(i == 0);
        path.add(i);
        value(list.get(i));
        path.remove(path.size() - 1);
      }
      newline(path.size());
      out.append(']');
    }
    leave();
  }

  private void enter() {
    if (++depth > Json.MAX_DEPTH) {
      throw error(
          "nesting too deep",
          "more than " + Json.MAX_DEPTH + " nested maps or lists",
          "at most " + Json.MAX_DEPTH,
          "does a map or list contain itself?");
    }
  }

  private void leave() {
    depth--;
  }

  private void separator(boolean first) {
    if (!first) {
      out.append(',');
    }
    newline(path.size() + 1);
  }

  private void newline(int level) {
    if (pretty) {
      out.append('\n');
      for (int i = 0; i < level; i++) {
        out.append("  ");
      }
    }
  }

  /** Escapes only what JSON requires; other characters, non-ASCII included, go out as is. */
  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else if (Character.isSurrogate(c) && !isPairAt(s, i)) {
            // An unpaired surrogate has no UTF-8 form: it would be written as '?'.
            throw error(
                "string holds an unpaired surrogate at index " + i,
                String.format("U+%04X", (int) c),
                "well-formed UTF-16 text",
                null);
          } else {
            if (Character.isHighSurrogate(c)) {
              out.append(c);
              c = s.charAt(++i);
            }
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  private static boolean isPairAt(String s, int i) {
    return Character.isHighSurrogate(s.charAt(i))
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1));
  }

  private void checkFinite(boolean notFinite, Object value) {
    if (notFinite) {
      throw error(
          "number is not finite",
          String.valueOf(value),
          "a finite number",
          "JSON has no NaN or Infinity; check the computation that produced it");
    }
  }

  private JsonException error(String what, String received, String expected, String hint) {
    return new JsonException(
        "cannot write JSON at " + pathText() + ": " + ErrorText.of(what, received, expected, hint));
  }

  /** The location as in jq: {@code $.config.layers[1]}. */
  private String pathText() {
    StringBuilder sb = new StringBuilder("$");
    for (Object step : path) {
      if (step instanceof Integer) {
        sb.append('[').append(step).append(']');
      } else {
        sb.append('.').append(step);
      }
    }
    return sb.toString();
  }
}
