package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class JsonFieldsTest {

  private static final String PATH = "layer 'conv2d' (Conv2D)";

  private static Map<String, Object> config(String json) {
    return Json.parseObject(json, "model.json");
  }

  private static String error(Executable call, String... fragments) {
    JsonException e = assertThrows(JsonException.class, call);
    for (String fragment : fragments) {
      assertTrue(
          e.getMessage().contains(fragment), "message lacks <" + fragment + ">: " + e.getMessage());
    }
    return e.getMessage();
  }

  @Test
  void readsTypedFields() {
    Map<String, Object> c =
        config(
            "{\"filters\": 32, \"name\": \"conv2d\", \"use_bias\": true,"
                + " \"rate\": 0.25, \"seed\": 12345678901, \"kernel_size\": [3, 5],"
                + " \"pool_size\": 2, \"padding\": \"same\", \"layers\": [{}, {\"a\": 1}],"
                + " \"cfg\": {\"x\": 1}, \"list\": [1, \"a\"], \"whole\": 4.0}");
    assertEquals(32, JsonFields.getPositiveInt(c, "filters", PATH));
    assertEquals(32, JsonFields.getInt(c, "filters", PATH));
    assertEquals(4, JsonFields.getInt(c, "whole", PATH)); // 4.0 is the integer 4
    assertEquals("conv2d", JsonFields.getString(c, "name", PATH));
    assertTrue(JsonFields.getBoolean(c, "use_bias", PATH));
    assertEquals(0.25, JsonFields.getDouble(c, "rate", PATH));
    assertEquals(32.0, JsonFields.getDouble(c, "filters", PATH));
    assertEquals(12345678901L, JsonFields.getLong(c, "seed", PATH));
    assertArrayEquals(new int[] {3, 5}, JsonFields.getPositiveIntPair(c, "kernel_size", PATH));
    assertArrayEquals(new int[] {2, 2}, JsonFields.getPositiveIntPair(c, "pool_size", PATH));
    assertEquals("same", JsonFields.getChoice(c, "padding", PATH, List.of("valid", "same")));
    assertEquals(List.of(Map.of(), Map.of("a", 1L)), JsonFields.getObjectList(c, "layers", PATH));
    assertEquals(Map.of("x", 1L), JsonFields.getObject(c, "cfg", PATH));
    assertEquals(List.of(1L, "a"), JsonFields.getList(c, "list", PATH));
  }

  @Test
  void optionalFieldsTakeTheDefaultWhenAbsentOrNull() {
    Map<String, Object> c = config("{\"strides\": null, \"seed\": null, \"units\": 10}");
    assertArrayEquals(
        new int[] {1, 1},
        JsonFields.getOptionalPositiveIntPair(c, "strides", PATH, new int[] {1, 1}));
    assertEquals(7L, JsonFields.getOptionalLong(c, "seed", PATH, 7L));
    assertEquals(10, JsonFields.getOptionalPositiveInt(c, "units", PATH, 1));
    assertEquals(-3, JsonFields.getOptionalInt(c, "absent", PATH, -3));
    assertEquals(0.5, JsonFields.getOptionalDouble(c, "absent", PATH, 0.5));
    assertEquals("d", JsonFields.getOptionalString(c, "absent", PATH, "d"));
    assertTrue(JsonFields.getOptionalBoolean(c, "absent", PATH, true));
    assertEquals(
        "valid",
        JsonFields.getOptionalChoice(c, "absent", PATH, List.of("valid", "same"), "valid"));
    error(
        () -> JsonFields.getOptionalPositiveInt(config("{\"units\": 0}"), "units", PATH, 1),
        "field 'units'",
        "received: 0",
        "a positive integer");
  }

  @Test
  void wrongTypeOrValueNamesPathFieldReceivedAndExpected() {
    assertEquals(
        "layer 'conv2d' (Conv2D) field 'filters': invalid value;"
            + " received: \"32.5\" (a string); expected: a positive integer",
        error(() -> JsonFields.getPositiveInt(config("{\"filters\": \"32.5\"}"), "filters", PATH)));
    error(
        () -> JsonFields.getPositiveInt(config("{\"filters\": 32.5}"), "filters", PATH),
        "received: 32.5 (a number)",
        "expected: a positive integer");
    error(
        () -> JsonFields.getPositiveInt(config("{\"filters\": 0}"), "filters", PATH),
        "received: 0",
        "a positive integer");
    error(
        () -> JsonFields.getInt(config("{\"n\": 3000000000}"), "n", PATH),
        "received: 3000000000",
        "at most 2147483647");
    error(() -> JsonFields.getLong(config("{\"n\": 1e19}"), "n", PATH), "an integer");
    error(
        () -> JsonFields.getString(config("{\"name\": 5}"), "name", PATH),
        "field 'name'",
        "received: 5 (a number)",
        "expected: a string");
    error(
        () -> JsonFields.getBoolean(config("{\"b\": \"true\"}"), "b", PATH),
        "received: \"true\" (a string)",
        "true or false");
    error(
        () -> JsonFields.getDouble(config("{\"r\": [1]}"), "r", PATH),
        "received: [1] (an array)",
        "a finite number");
    error(
        () ->
            JsonFields.getChoice(
                config("{\"padding\": \"full\"}"), "padding", PATH, List.of("valid", "same")),
        "received: \"full\"",
        "one of 'valid', 'same'");
    error(
        () -> JsonFields.getObject(config("{\"cfg\": []}"), "cfg", PATH),
        "received: [] (an array)",
        "a JSON object");
    error(
        () -> JsonFields.getObjectList(config("{\"layers\": [{}, 3]}"), "layers", PATH),
        "field 'layers' element 1",
        "received: 3 (a number)");
  }

  @Test
  void intPairAcceptsAnIntOrTwoInts() {
    String expected = "a positive integer or an array of 2 positive integers";
    for (String bad :
        List.of("[3]", "[3, 3, 3]", "[3, 0]", "[3, \"3\"]", "0", "\"3\"", "[3, 2.5]", "{}")) {
      error(
          () -> JsonFields.getPositiveIntPair(config("{\"k\": " + bad + "}"), "k", PATH),
          PATH + " field 'k'",
          expected);
    }
  }

  @Test
  void missingAndNullRequiredFieldsAreNamed() {
    error(
        () -> JsonFields.getPositiveInt(config("{\"name\": \"c\", \"units\": 1}"), "filters", PATH),
        PATH + " field 'filters': missing field",
        "fields present: 'name', 'units'",
        "expected: a positive integer");
    error(
        () -> JsonFields.getString(config("{\"name\": null}"), "name", PATH),
        "null value",
        "received: null",
        "expected: a string");
  }

  @Test
  void unknownKeysListTheSupportedOnesAndSuggestACorrection() {
    Set<String> allowed = Set.of("filters", "kernel_size", "name");
    JsonFields.requireOnlyKeys(config("{\"name\": \"c\", \"filters\": 1}"), allowed, PATH);
    assertEquals(
        "layer 'conv2d' (Conv2D): unknown field; received: 'filtres';"
            + " expected: only the supported fields 'filters', 'kernel_size', 'name';"
            + " hint: did you mean 'filters' instead of 'filtres'?",
        error(() -> JsonFields.requireOnlyKeys(config("{\"filtres\": 1}"), allowed, PATH)));
    String message =
        error(
            () ->
                JsonFields.requireOnlyKeys(
                    config("{\"zzz\": 1, \"name\": \"c\", \"qqq\": 2}"), allowed, "job config"),
            "job config: unknown fields; received: 'zzz', 'qqq'");
    assertTrue(!message.contains("did you mean"), message);
  }

  @Test
  void fieldErrorIsForCallersOwnChecks() {
    assertEquals(
        "job config field 'validation_split': invalid value;"
            + " received: 1.5 (a number); expected: a number in [0, 1)",
        JsonFields.fieldError("job config", "validation_split", 1.5, "a number in [0, 1)")
            .getMessage());
  }
}
