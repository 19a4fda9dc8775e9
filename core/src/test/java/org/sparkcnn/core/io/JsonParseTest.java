package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonParseTest {

  private static Object parse(String text) {
    return Json.parse(text, "t.json");
  }

  /** Parses, expecting failure; returns the message after checking it has every fragment. */
  private static String error(String text, String... fragments) {
    JsonException e = assertThrows(JsonException.class, () -> parse(text));
    for (String fragment : fragments) {
      assertTrue(
          e.getMessage().contains(fragment), "message lacks <" + fragment + ">: " + e.getMessage());
    }
    return e.getMessage();
  }

  @Test
  void mapsValuesToJavaTypes() {
    Object v =
        parse(
            " {\"s\": \"x\", \"i\": 7, \"d\": 1.5, \"t\": true, \"f\": false,"
                + " \"n\": null, \"a\": [1, [], {}], \"o\": {\"k\": -2}} ");
    Map<?, ?> map = assertInstanceOf(LinkedHashMap.class, v);
    assertEquals(List.of("s", "i", "d", "t", "f", "n", "a", "o"), List.copyOf(map.keySet()));
    assertEquals("x", map.get("s"));
    assertEquals(7L, map.get("i"));
    assertEquals(1.5, map.get("d"));
    assertEquals(Boolean.TRUE, map.get("t"));
    assertEquals(Boolean.FALSE, map.get("f"));
    assertTrue(map.containsKey("n") && map.get("n") == null);
    assertEquals(Arrays.asList(1L, List.of(), Map.of()), map.get("a"));
    assertEquals(Map.of("k", -2L), map.get("o"));
  }

  @Test
  void integersAreLongsAndEverythingElseIsDouble() {
    assertEquals(0L, parse("0"));
    assertEquals(Long.MAX_VALUE, parse("9223372036854775807"));
    assertEquals(Long.MIN_VALUE, parse("-9223372036854775808"));
    // Beyond a long: a Double, as other JSON readers do.
    assertEquals(9.223372036854775808E18, parse("9223372036854775808"));
    assertEquals(1.0, parse("1.0"));
    assertEquals(100.0, parse("1e2"));
    assertEquals(100.0, parse("1E+2"));
    assertEquals(0.01, parse("1e-2"));
    assertEquals(-0.5, parse("-0.5"));
    assertEquals(0.0, parse("1e-400")); // underflow rounds to zero, like any reader
    assertEquals(Double.MAX_VALUE, parse("1.7976931348623157e308"));
  }

  @Test
  void negativeZeroKeepsItsSign() {
    assertEquals(
        Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) parse("-0")));
    assertEquals(
        Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) parse("-0.0")));
  }

  @Test
  void numbersOutsideTheGrammarOrRangeAreRejected() {
    error("1e400", "t.json:1:1:", "number out of range", "1e400");
    error("-1e400", "number out of range");
    error("01", "leading zero", "'01'");
    error("-01", "leading zero");
    error("1.", "no digit after the decimal point");
    error(".5", "'.'", "a JSON value");
    error("+1", "'+'");
    error("1e", "no digit in the exponent");
    error("-", "a digit after '-'");
    error("NaN", "'NaN'", "JSON has no NaN or Infinity");
    error("Infinity", "'Infinity'", "JSON has no NaN or Infinity");
    error("-Infinity", "'Infinity'", "JSON has no NaN or Infinity");
    error("[1, 2 3]", "t.json:1:7:", "',' or ']'", "'3'");
  }

  @Test
  void decodesEveryEscape() {
    assertEquals("\" \\ / \b \f \n \r \t", parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
    assertEquals("é€", parse("\"\\u00e9\\u20AC\""));
    assertEquals("😀", parse("\"\\uD83D\\uDE00\""));
    assertEquals("raw é 😀", parse("\"raw é 😀\""));
    assertEquals("", parse("\"\""));
  }

  @Test
  void rejectsBadStrings() {
    error("\"a\\qb\"", "t.json:1:3:", "invalid escape", "'\\q'");
    error("\"\\u12zz\"", "invalid \\u escape", "'\\u12zz'");
    error("\"\\u12", "incomplete \\u escape");
    error("\"\\uD83D\"", "unpaired high surrogate");
    error("\"\\uD83Dx\"", "unpaired high surrogate");
    error("\"\\uD83D\\u0041\"", "unpaired high surrogate");
    error("\"\\uDE00\"", "unpaired low surrogate");
    error("\"tab\there\"", "t.json:1:5:", "control character", "U+0009");
    error("\"line\nbreak\"", "control character", "U+000A");
    error("\"open", "t.json:1:1:", "string is not closed", "end of input");
    error("'single'", "JSON strings use double quotes");
  }

  @Test
  void reportsLineColumnFoundAndExpected() {
    String text = "{\n  \"a\": 1,\n  \"b\": 2 x\n}";
    assertEquals(
        "t.json:3:10: unexpected character in object; received: 'x';" + " expected: ',' or '}'",
        error(text));
    error("{\"a\" 1}", "t.json:1:6:", "missing ':'", "'1'");
    error("{\"a\": 1,}", "t.json:1:9:", "'}'", "no comma after the last member");
    error("[1,]", "t.json:1:4:", "trailing comma");
    error("{a: 1}", "t.json:1:2:", "object key is not a string", "'a'");
    error("[1, 2", "t.json:1:6:", "end of input", "',' or ']'");
    error("", "t.json:1:1:", "unexpected end of input", "a JSON value");
    error("   ", "t.json:1:4:", "unexpected end of input");
    error("{\"a\": True}", "'True'", "lowercase");
    error("[nul]", "invalid literal", "'nul'");
    error("// c\n1", "JSON has no comments");
    error("[\u0001]", "U+0001 (a control character)");
  }

  @Test
  void rejectsTrailingContent() {
    error("{} {}", "t.json:1:4:", "unexpected content after the JSON value", "'{'", "end of input");
    error("1 2", "unexpected content after the JSON value");
    error("nullx", "t.json:1:5:", "'x'");
    assertEquals(1L, parse(" \t\r\n1 \t\r\n"));
  }

  @Test
  void rejectsDuplicateKeys() {
    error("{\"a\": 1,\n \"a\": 2}", "t.json:2:2:", "duplicate key", "\"a\"");
  }

  @Test
  void deepNestingIsACleanErrorNotAStackOverflow() {
    error("[".repeat(100_000), "nesting too deep", "512", "t.json:1:513:");
    error("{\"a\":".repeat(100_000), "nesting too deep");
    String deepestAllowed = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertInstanceOf(List.class, parse(deepestAllowed));
    error("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1), "nesting too deep");
  }

  @Test
  void bytesMustBeUtf8() {
    assertEquals("é", Json.parse("\"é\"".getBytes(StandardCharsets.UTF_8), "b.json"));
    byte[] bad = {'[', '1', ',', (byte) 0xC3, ']'};
    JsonException e = assertThrows(JsonException.class, () -> Json.parse(bad, "b.json"));
    assertTrue(e.getMessage().startsWith("b.json:1:4: text is not valid UTF-8"), e.getMessage());
    assertTrue(e.getMessage().contains("byte offset 3"), e.getMessage());
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '1'};
    e = assertThrows(JsonException.class, () -> Json.parse(bom, "b.json"));
    assertTrue(e.getMessage().contains("byte order mark"), e.getMessage());
  }

  @Test
  void parseObjectRequiresAnObject() {
    assertEquals(Map.of(), Json.parseObject("{}", "c.json"));
    JsonException e = assertThrows(JsonException.class, () -> Json.parseObject("[1]", "c.json"));
    assertEquals(
        "c.json: not a JSON object; received: [1] (an array);" + " expected: a JSON object {…}",
        e.getMessage());
  }

  /** Random damage to a real spec must parse or fail with a JsonException, nothing else. */
  @Test
  void randomDamageIsEitherParsedOrRefusedCleanly() throws IOException {
    String spec;
    try (InputStream in = getClass().getResourceAsStream("/seed-cnn.keras.json")) {
      spec = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String alphabet = "{}[]\",:\\/-+.eE0123456789 \ntfnulxuD\u00e9\u0001";
    Random random = new Random(7);
    for (int trial = 0; trial < 1000; trial++) {
      char[] damaged = spec.toCharArray();
      for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
        damaged[random.nextInt(damaged.length)] =
            alphabet.charAt(random.nextInt(alphabet.length()));
      }
      try {
        Json.parse(new String(damaged), "d.json");
      } catch (JsonException expected) {
        assertTrue(expected.getMessage().startsWith("d.json:"), expected.getMessage());
      }
    }
  }
}
