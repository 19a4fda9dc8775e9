package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.core.io.SafetensorsTest.bytes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every way a file can lie, each ending in an {@link InvalidModelFileException} that states the
 * facts, and none allocating from an unchecked field (the JVM of the tests has 2 GB; several
 * headers below claim more).
 */
class SafetensorsHostileInputTest {

  private static final String SOURCE = "w.safetensors";

  /** A file with a well-formed length prefix for {@code header} and {@code dataBytes} zeros. */
  private static byte[] file(String header, int dataBytes) {
    int length = header.getBytes(StandardCharsets.UTF_8).length;
    return bytes(length, header, "00".repeat(dataBytes));
  }

  private static String entry(String name, String shape, long begin, long end) {
    return "\""
        + name
        + "\":{\"dtype\":\"F32\",\"shape\":"
        + shape
        + ",\"data_offsets\":["
        + begin
        + ","
        + end
        + "]}";
  }

  private static String error(byte[] file, String... fragments) {
    return error(file, file.length, fragments);
  }

  private static String error(byte[] file, long declaredLength, String... fragments) {
    InvalidModelFileException e =
        assertThrows(
            InvalidModelFileException.class,
            () -> Safetensors.read(new ByteArrayInputStream(file), declaredLength, SOURCE));
    assertTrue(e.getMessage().startsWith(SOURCE), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(
          e.getMessage().contains(fragment), "message lacks <" + fragment + ">: " + e.getMessage());
    }
    return e.getMessage();
  }

  @Test
  void truncatedAtEveryPointIsAnError() throws IOException {
    byte[] good =
        SafetensorsTest.write(
            Map.of("a", new TensorData(new int[] {2, 2}, new float[] {1, 2, 3, 4})),
            Map.of("k", "v"));
    int dataStart = good.length - 16;
    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = Arrays.copyOf(good, cut);
      // The storage reports the short length: some header field now points past the end.
      error(truncated);
      // The storage reports the full length but the stream stops short, in one of three
      // parts: the length prefix, the header, or the tensor's data.
      int receivedOfPart = cut < 8 ? cut : cut < dataStart ? cut - 8 : cut - dataStart;
      error(
          truncated,
          good.length,
          "file ends early",
          "received: " + receivedOfPart + " of its ",
          "the file is truncated");
    }
  }

  @Test
  void truncationFactsNameThePartAndTheCounts() throws IOException {
    byte[] good =
        SafetensorsTest.write(
            Map.of("dense/kernel", new TensorData(new int[] {4}, new float[] {1, 2, 3, 4})), null);
    error(
        Arrays.copyOf(good, good.length - 3),
        good.length,
        "file ends early, in tensor 'dense/kernel'",
        "received: 13 of its 16 bytes",
        "expected: 16 bytes");
    error(Arrays.copyOf(good, 20), good.length, "in the header", "received: 12 of its ");
    error(new byte[5], "file too short", "received: 5 bytes", "at least 8 bytes");
    error(new byte[0], "file too short", "received: 0 bytes");
  }

  @Test
  void hugeHeaderLengthsAreRefusedBeforeAllocating() {
    error(
        bytes(1L << 63, "{}", ""),
        "header length too large",
        "received: 9223372036854775808 bytes",
        "at most 100000000 bytes");
    error(bytes(-1L, "{}", ""), "received: 18446744073709551615 bytes");
    error(bytes(100_000_001L, "{}", ""), "header length too large");
  }

  @Test
  void headerLongerThanTheFileIsRefused() {
    error(
        bytes(64, "{}", ""),
        "header length exceeds the file",
        "64 bytes of header in a file of 10 bytes",
        "at most 2 bytes");
    // A lying declared length: the stream itself ends early.
    error(bytes(64, "{}", ""), 1000, "file ends early, in the header", "received: 2 of its 64");
  }

  @Test
  void headerMustBeAJsonObjectOfEntries() {
    error(file("{\"a\":", 0), "w.safetensors header:1:6:", "unexpected end of input");
    error(file("not json", 0), "header:1:1:", "'not'");
    error(file("", 0), "unexpected end of input");
    error(file("[]      ", 0), "the header is not a JSON object", "received: [] (an array)");
    error(
        file("{" + entry("a", "[1]", 0, 4) + "," + entry("a", "[1]", 4, 8) + "}", 8),
        "duplicate key",
        "\"a\"");
    byte[] badUtf8 = file("{\"\u00e9\":1}", 0);
    badUtf8[10] = (byte) 0xFF;
    error(badUtf8, "not valid UTF-8");
  }

  @Test
  void entriesHaveExactlyTheThreeFields() {
    error(
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4),
        "tensor 'a' has a malformed header entry",
        "exactly the fields 'dtype', 'shape' and 'data_offsets'");
    error(
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4),
        "tensor 'a' has a malformed header entry");
    error(file("{\"a\":[1]}", 0), "tensor 'a' has a malformed header entry");
  }

  @Test
  void onlyFloat32IsLoaded() {
    error(
        file("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
        "tensor 'w' has an unsupported dtype",
        "received: \"F16\"",
        "expected: \"F32\"",
        "convert the weights to float32");
    error(
        file("{\"w\":{\"dtype\":\"WHAT\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
        "tensor 'w'",
        "\"WHAT\"");
    error(
        file("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
        "unsupported dtype",
        "received: 32 (a number)");
  }

  @Test
  void shapesAreNonNegativeIntegersWhoseSizeMatchesTheOffsets() {
    error(
        file("{" + entry("a", "[-1]", 0, 4) + "}", 4),
        "tensor 'a' has an invalid shape (dimension 0)",
        "[-1]");
    error(file("{" + entry("a", "[2.0]", 0, 8) + "}", 8), "invalid shape");
    error(file("{" + entry("a", "\"2\"", 0, 8) + "}", 8), "invalid shape");
    error(
        file("{" + entry("a", "[3]", 0, 8) + "}", 8),
        "tensor 'a' has data_offsets that disagree with its shape",
        "received: 8 bytes",
        "expected: 12 bytes");
    // 2^31 × 2^31 × 2^31 × 4 overflows a long; 2^30 × 4 fits a long but not an array.
    error(
        file("{" + entry("a", "[2147483647,2147483647,2147483647]", 0, 4) + "}", 4),
        "tensor 'a' is too large");
    error(file("{" + entry("a", "[1073741824,4]", 0, 4) + "}", 4), "tensor 'a' is too large");
    error(file("{" + entry("a", "[4294967296]", 0, 4) + "}", 4), "invalid shape");
  }

  @Test
  void offsetsStayInsideTheDataBuffer() {
    error(
        file("{" + entry("a", "[1]", 4, 8) + "}", 4),
        "tensor 'a' has data_offsets outside the data buffer",
        "received: [4, 8]",
        "end ≤ 4");
    error(file("{" + entry("a", "[1]", -4, 0) + "}", 4), "outside the data buffer");
    error(file("{" + entry("a", "[1]", 4, 0) + "}", 4), "outside the data buffer");
    // A claim of 4 GiB in a tiny file is refused from the header alone.
    error(
        file("{" + entry("a", "[1073741823]", 0, 4294967292L) + "}", 8), "outside the data buffer");
    error(
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
        "invalid data_offsets");
    error(
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", 4),
        "invalid data_offsets");
    error(
        file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
                + "[0,18446744073709551616]}}",
            4),
        "invalid data_offsets");
  }

  @Test
  void tensorsCoverTheBufferWithoutGapOverlapOrTrailingBytes() {
    error(
        file("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 4, 12) + "}", 12),
        "tensors 'a' and 'b' overlap",
        "'b' begins at byte 4",
        "byte 8, where 'a' ends");
    error(
        file("{" + entry("a", "[1]", 0, 4) + "," + entry("b", "[1]", 8, 12) + "}", 12),
        "gap in the data buffer before tensor 'b'",
        "begins at byte 8",
        "byte 4");
    error(file("{" + entry("a", "[1]", 4, 8) + "}", 8), "gap", "byte 0, the buffer's start");
    error(
        file("{" + entry("a", "[1]", 0, 4) + "}", 12),
        "trailing bytes after the last tensor",
        "12 bytes, of which the tensors cover 4");
    error(file("{}", 3), "trailing bytes");
  }

  @Test
  void aStreamLongerThanItsDeclaredLengthIsRefused() {
    byte[] good = file("{" + entry("a", "[1]", 0, 4) + "}", 4);
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    error(longer, good.length, "more bytes than the file's length");
  }

  @Test
  void metadataHoldsOnlyStrings() {
    error(
        file("{\"__metadata__\":{\"epochs\":5}}", 0),
        "'__metadata__' entry 'epochs' is not a string",
        "received: 5 (a number)");
    error(file("{\"__metadata__\":[]}", 0), "'__metadata__' is not an object");
  }

  /** Random damage must end in success or our exception, never in another throwable. */
  @Test
  void randomDamageIsEitherReadOrRefusedCleanly() throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("k", new TensorData(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    tensors.put("b", new TensorData(new int[] {3}, new float[] {7, 8, 9}));
    byte[] good = SafetensorsTest.write(tensors, Map.of("format", "pt"));
    Random random = new Random(42);
    for (int trial = 0; trial < 1000; trial++) {
      byte[] damaged = good.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
      }
      if (random.nextBoolean()) {
        damaged = Arrays.copyOf(damaged, random.nextInt(damaged.length + 8));
      }
      try {
        Safetensors.read(new ByteArrayInputStream(damaged), damaged.length, SOURCE);
      } catch (InvalidModelFileException expected) {
        assertTrue(expected.getMessage().startsWith(SOURCE), expected.getMessage());
      }
    }
  }
}
