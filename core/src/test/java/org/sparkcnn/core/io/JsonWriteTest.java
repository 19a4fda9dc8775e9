package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriteTest {

  private static String resource(String name) throws IOException {
    try (InputStream in = JsonWriteTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * The golden file was written by Python 3.11 from the seed spec: {@code json.dumps(json.load(f),
   * indent=2, ensure_ascii=False)}, without a final newline.
   */
  @Test
  void seedSpecRoundTripsAndPrintsLikePython() throws IOException {
    String original = resource("seed-cnn.keras.json");
    Object parsed = Json.parse(original, "seed-cnn.keras.json");
    String pretty = Json.write(parsed);
    assertEquals(resource("seed-cnn.keras.indent2.json"), pretty);
    assertEquals(parsed, Json.parse(pretty, "pretty"));
    assertEquals(parsed, Json.parse(Json.writeCompact(parsed), "compact"));
    assertEquals(pretty, Json.write(Json.parse(pretty, "pretty")));
  }

  @Test
  void prettyAndCompactLayout() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("z", 1);
    value.put("a", Arrays.asList(1L, null, List.of()));
    value.put("e", Map.of());
    assertEquals(
        "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    null,\n    []\n  ],\n" + "  \"e\": {}\n}",
        Json.write(value));
    assertEquals("{\"z\":1,\"a\":[1,null,[]],\"e\":{}}", Json.writeCompact(value));
    assertEquals("[]", Json.write(List.of()));
    assertEquals("\"x\"", Json.write("x"));
    assertEquals("null", Json.write(null));
  }

  @Test
  void numbersKeepTheirValueAndType() {
    assertEquals(
        "[1,-2,3,4,true,false]",
        Json.writeCompact(List.of(1, -2L, (short) 3, (byte) 4, true, false)));
    assertEquals(
        "[0.001,1.0E-4,32.0,-0.0,1.0E300]",
        Json.writeCompact(List.of(0.001, 1e-4, 32.0, -0.0, 1e300)));
    // Floats are written from their own digits, not widened to double's 0.0010000000474974513.
    assertEquals("[0.001,0.1]", Json.writeCompact(List.of(0.001f, 0.1f)));
    List<Object> values = List.of(0.1, 1e-4, 32.0, 5e-324, Double.MAX_VALUE, 123456789L);
    assertEquals(values, Json.parse(Json.write(values), "w"));
    Object negativeZero = ((List<?>) Json.parse(Json.write(List.of(-0.0)), "w")).get(0);
    assertEquals(
        Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) negativeZero));
  }

  @Test
  void escapesOnlyWhatJsonRequires() {
    String s = "q\" b\\ s/ \b\f\n\r\t \u0001 \u001f \u007f é 😀 \u2028";
    String written = Json.writeCompact(s);
    assertEquals("\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001 \\u001f \u007f é 😀 \u2028\"", written);
    assertEquals(s, Json.parse(written, "w"));
  }

  @Test
  void refusesWhatJsonCannotHold() {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("layers", List.of(Map.of("rate", Double.NaN)));
    JsonException e = assertThrows(JsonException.class, () -> Json.write(spec));
    assertTrue(e.getMessage().contains("$.layers[0].rate"), e.getMessage());
    assertTrue(e.getMessage().contains("not finite"), e.getMessage());
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertThrows(JsonException.class, () -> Json.write(Double.POSITIVE_INFINITY));
    assertThrows(JsonException.class, () -> Json.write(Float.NEGATIVE_INFINITY));

    Map<Object, Object> intKey = new HashMap<>();
    intKey.put(1, "x");
    e = assertThrows(JsonException.class, () -> Json.write(intKey));
    assertTrue(e.getMessage().contains("key is not a string"), e.getMessage());

    e = assertThrows(JsonException.class, () -> Json.write(new int[] {1}));
    assertTrue(e.getMessage().contains("unsupported type"), e.getMessage());

    e = assertThrows(JsonException.class, () -> Json.write("bad \uD800 surrogate"));
    assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
  }

  @Test
  void aCycleIsACleanError() {
    List<Object> cycle = new ArrayList<>();
    cycle.add(cycle);
    JsonException e = assertThrows(JsonException.class, () -> Json.write(cycle));
    assertTrue(e.getMessage().contains("nesting too deep"), e.getMessage());
  }
}
