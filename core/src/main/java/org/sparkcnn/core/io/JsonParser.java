package org.sparkcnn.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A strict RFC 8259 parser over one in-memory text; see {@link Json#parse(String, String)} for the
 * value mapping. One instance parses one document and is then discarded.
 *
 * <p>Recursive descent, bounded by {@link Json#MAX_DEPTH}: the bound keeps hostile input ({@code
 * [[[[…}) from exhausting the thread stack, and legitimate specs nest a handful of levels.
 */
final class JsonParser {

  private final String text;
  private final String source;
  private int pos;

  JsonParser(String text, String source) {
    this.text = text;
    this.source = source;
  }

  /** Parses the whole text as exactly one JSON value, surrounded by optional whitespace. */
  Object parseDocument() {
    if (text.startsWith("\uFEFF")) {
      throw error(
          pos,
          "byte order mark before the JSON value",
          "U+FEFF",
          "a JSON value",
          "save the file as UTF-8 without a byte order mark");
    }
    skipWhitespace();
    Object value = parseValue(0);
    skipWhitespace();
    if (pos < text.length()) {
      throw error(
          pos,
          "unexpected content after the JSON value",
          received(pos),
          "end of input",
          "a JSON text holds exactly one value");
    }
    return value;
  }

  private Object parseValue(int depth) {
    if (pos >= text.length()) {
      throw error(pos, "unexpected end of input", "end of input", "a JSON value", null);
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return parseObject(depth + 1);
      case '[':
        return parseArray(depth + 1);
      case '"':
        return parseString();
      case 't':
        return parseLiteral("true", Boolean.TRUE);
      case 'f':
        return parseLiteral("false", Boolean.FALSE);
      case 'n':
        return parseLiteral("null", null);
      default:
        if (c == '-' || isDigit(c)) {
          return parseNumber();
        }
        throw error(
            pos,
            "unexpected character where a value should start",
            received(pos),
            "a JSON value (object, array, string, number, true, false or null)",
            hintForBadToken(pos));
    }
  }

  private Map<String, Object> parseObject(int depth) {
    checkDepth(depth);
    pos++; // '{'
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      if (peek() != '"') {
        throw error(
            pos,
            "object key is not a string",
            received(pos),
            "'\"' starting a key" + (map.isEmpty() ? " or '}'" : ""),
            !map.isEmpty() && peek() == '}' ? "JSON allows no comma after the last member" : null);
      }
      int keyPos = pos;
      String key = parseString();
      if (map.containsKey(key)) {
        throw error(
            keyPos,
            "duplicate key in object",
            ErrorText.quote(key),
            "each key at most once per object",
            "remove or rename one of them");
      }
      skipWhitespace();
      if (peek() != ':') {
        throw error(
            pos,
            "missing ':' after object key " + ErrorText.quote(key),
            received(pos),
            "':'",
            null);
      }
      pos++;
      skipWhitespace();
      map.put(key, parseValue(depth));
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == '}') {
        return map;
      }
      if (c != ',') {
        pos--;
        throw error(pos, "unexpected character in object", received(pos), "',' or '}'", null);
      }
      skipWhitespace();
    }
  }

  private List<Object> parseArray(int depth) {
    checkDepth(depth);
    pos++; // '['
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      if (peek() == ']') {
        throw error(
            pos,
            "trailing comma in array",
            "']'",
            "a JSON value",
            "JSON allows no comma after the last element");
      }
      list.add(parseValue(depth));
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == ']') {
        return list;
      }
      if (c != ',') {
        pos--;
        throw error(pos, "unexpected character in array", received(pos), "',' or ']'", null);
      }
      skipWhitespace();
    }
  }

  private void checkDepth(int depth) {
    if (depth > Json.MAX_DEPTH) {
      throw error(
          pos,
          "nesting too deep",
          "more than " + Json.MAX_DEPTH + " nested arrays or objects",
          "at most " + Json.MAX_DEPTH,
          "model specs and configs nest a few levels; is this the right file?");
    }
  }

  /** Parses a string starting at the opening quote, leaving {@code pos} after the closing one. */
  private String parseString() {
    int start = ++pos;
    // Most strings have no escapes: take them as one substring.
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '"') {
        return text.substring(start, pos++);
      }
      if (c == '\\' || c < 0x20) {
        break;
      }
      pos++;
    }
    StringBuilder sb = new StringBuilder().append(text, start, pos);
    while (true) {
      if (pos >= text.length()) {
        throw error(
            start - 1,
            "string is not closed",
            "end of input",
            "'\"'",
            "a quote is missing, or a quote inside the string is not escaped as \\\"");
      }
      char c = text.charAt(pos);
      if (c == '"') {
        pos++;
        return sb.toString();
      }
      if (c < 0x20) {
        throw error(
            pos,
            "control character inside a string",
            received(pos),
            "a printable character",
            "write it escaped, e.g. \\n or \\u0009");
      }
      if (c != '\\') {
        sb.append(c);
        pos++;
        continue;
      }
      int escapePos = pos++;
      char e = pos < text.length() ? text.charAt(pos) : 0;
      pos++;
      switch (e) {
        case '"':
          sb.append('"');
          break;
        case '\\':
          sb.append('\\');
          break;
        case '/':
          sb.append('/');
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          appendUnicodeEscape(sb, escapePos);
          break;
        default:
          throw error(
              escapePos,
              "invalid escape sequence in string",
              received(escapePos, 2),
              "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
              "to write a backslash, double it: \\\\");
      }
    }
  }

  /** Handles {@code \}{@code uXXXX} at {@code escapePos}; {@code pos} is just after the 'u'. */
  private void appendUnicodeEscape(StringBuilder sb, int escapePos) {
    char unit = readHex4(escapePos);
    if (Character.isLowSurrogate(unit)) {
      throw error(
          escapePos,
          "unpaired low surrogate escape",
          received(escapePos, 6),
          "a high surrogate \\uD800-\\uDBFF before it",
          null);
    }
    if (Character.isHighSurrogate(unit)) {
      int lowPos = pos;
      if (!text.startsWith("\\u", lowPos)) {
        throw error(
            escapePos,
            "unpaired high surrogate escape",
            received(escapePos, 6),
            "a low surrogate escape \\uDC00-\\uDFFF right after it",
            "characters outside the Basic Multilingual Plane are written as two"
                + " escapes, e.g. \\uD83D\\uDE00");
      }
      pos += 2;
      char low = readHex4(lowPos);
      if (!Character.isLowSurrogate(low)) {
        throw error(
            escapePos,
            "unpaired high surrogate escape",
            received(escapePos, 12),
            "a low surrogate escape \\uDC00-\\uDFFF right after it",
            null);
      }
      sb.append(unit).append(low);
      return;
    }
    sb.append(unit);
  }

  private char readHex4(int escapePos) {
    if (pos + 4 > text.length()) {
      throw error(
          escapePos,
          "incomplete \\u escape",
          received(escapePos, 6),
          "\\u followed by 4 hexadecimal digits",
          null);
    }
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int digit = Character.digit(text.charAt(pos + i), 16);
      if (digit < 0) {
        throw error(
            escapePos,
            "invalid \\u escape",
            received(escapePos, 6),
            "\\u followed by 4 hexadecimal digits",
            null);
      }
      value = value * 16 + digit;
    }
    pos += 4;
    return (char) value;
  }

  /**
   * Numbers: Long when written without fraction or exponent and within range; Double otherwise.
   * "-0" becomes Double -0.0 because a Long cannot carry the sign of zero.
   */
  private Object parseNumber() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (!isDigit(peek())) {
      throw error(pos, "invalid number", received(pos), "a digit after '-'", hintForBadToken(pos));
    }
    if (peek() == '0' && isDigit(peekAt(pos + 1))) {
      throw error(
          pos,
          "leading zero in number",
          received(start, pos + 2 - start),
          "no leading zeros (e.g. 7, not 07)",
          null);
    }
    skipDigits();
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error(
            pos,
            "invalid number: no digit after the decimal point",
            received(pos),
            "a digit",
            "write 1.0 or 1, not 1.");
      }
      skipDigits();
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error(
            pos, "invalid number: no digit in the exponent", received(pos), "a digit", null);
      }
      skipDigits();
    }
    String literal = text.substring(start, pos);
    if (integral) {
      if (literal.equals("-0")) {
        return -0.0d;
      }
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException tooBig) {
        // Beyond the range of a long: fall through to Double, like other JSON readers.
      }
    }
    double value = Double.parseDouble(literal);
    if (Double.isInfinite(value)) {
      throw error(
          start,
          "number out of range",
          ErrorText.excerpt(literal),
          "a number whose magnitude is at most " + Double.MAX_VALUE,
          "JSON numbers are read as 64-bit doubles");
    }
    return value;
  }

  private Object parseLiteral(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error(
          pos,
          "invalid literal",
          received(pos),
          "a JSON value such as " + word,
          hintForBadToken(pos));
    }
    pos += word.length();
    return value;
  }

  // ---- scanning helpers ----

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private void skipDigits() {
    while (isDigit(peek())) {
      pos++;
    }
  }

  /** The character at {@code pos}, or 0 at the end (0 never matches what callers look for). */
  private char peek() {
    return peekAt(pos);
  }

  private char peekAt(int i) {
    return i < text.length() ? text.charAt(i) : 0;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  // ---- error reporting ----

  /** What the text holds at {@code at}: a word, a character, or the end of input. */
  private String received(int at) {
    if (at >= text.length()) {
      return "end of input";
    }
    int cp = text.codePointAt(at);
    if (Character.isLetter(cp)) {
      int end = at;
      while (end < text.length() && end - at < 20 && Character.isLetterOrDigit(text.charAt(end))) {
        end++;
      }
      return "'" + text.substring(at, end) + "'";
    }
    if (cp < 0x20 || cp == 0x7f) {
      return String.format("U+%04X (a control character)", cp);
    }
    return "'" + new String(Character.toChars(cp)) + "'";
  }

  /** Up to {@code length} characters of the text from {@code at}, quoted. */
  private String received(int at, int length) {
    return "'" + text.substring(at, Math.min(text.length(), at + length)) + "'";
  }

  /** Hints for tokens that other languages accept but JSON does not. */
  private String hintForBadToken(int at) {
    String rest = text.substring(at, Math.min(text.length(), at + 10));
    if (rest.startsWith("NaN")
        || rest.startsWith("Infinity")
        || rest.startsWith("-Infinity")
        || rest.startsWith("Inf")) {
      return "JSON has no NaN or Infinity; write null or a finite number";
    }
    if (rest.startsWith("True") || rest.startsWith("False") || rest.startsWith("None")) {
      return "JSON literals are lowercase: true, false, null";
    }
    if (rest.startsWith("'")) {
      return "JSON strings use double quotes";
    }
    if (rest.startsWith("//") || rest.startsWith("/*")) {
      return "JSON has no comments";
    }
    return null;
  }

  private JsonException error(int at, String what, String received, String expected, String hint) {
    return new JsonException(
        location(text, source, at) + ": " + ErrorText.of(what, received, expected, hint));
  }

  /** {@code source:line:column}, both counted from 1, columns in UTF-16 characters. */
  static String location(String text, String source, int at) {
    int line = 1;
    int lineStart = 0;
    int end = Math.min(at, text.length());
    for (int i = 0; i < end; i++) {
      if (text.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return source + ":" + line + ":" + (at - lineStart + 1);
  }
}
