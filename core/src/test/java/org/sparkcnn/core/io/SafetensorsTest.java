package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writing, reading, and byte-for-byte agreement with the reference implementation.
 *
 * <p>The golden files below were made with the reference library (safetensors 0.8.0, numpy):
 *
 * <pre>
 * from safetensors.numpy import save
 * save({'a': np.array([1.0, 2.0], dtype=np.float32)})
 * save({'a': np.array([1.0], dtype=np.float32)}, metadata={})
 * save({'z': np.arange(6, dtype=np.float32).reshape(2, 3),
 *       'b/bias': np.array([-0.5, 3.25], dtype=np.float32)}, metadata={'format': 'pt'})
 * </pre>
 */
class SafetensorsTest {

  static byte[] write(Map<String, TensorData> tensors, Map<String, String> metadata)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Safetensors.write(out, tensors, metadata);
    return out.toByteArray();
  }

  static Safetensors.File read(byte[] bytes) throws IOException {
    return Safetensors.read(new ByteArrayInputStream(bytes), bytes.length, "w.safetensors");
  }

  static TensorData tensor(int[] shape, float... values) {
    return new TensorData(shape, values);
  }

  /** The 8-byte little-endian length, then the header text: readable in a test. */
  static byte[] bytes(long headerLength, String header, String dataHex) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < 8; i++) {
      out.write((int) (headerLength >>> (8 * i)));
    }
    out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(HexFormat.of().parseHex(dataHex));
    return out.toByteArray();
  }

  @Test
  void oneTensorIsByteIdenticalToTheReference() throws IOException {
    // 54 bytes of JSON + 2 spaces = 56 = 0x38, a multiple of 8; then 1.0f and 2.0f.
    byte[] expected =
        bytes(
            56,
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  ",
            "0000803f" + "00000040");
    byte[] written = write(Map.of("a", tensor(new int[] {2}, 1f, 2f)), null);
    assertArrayEquals(expected, written);

    Safetensors.File file = read(expected);
    assertEquals(Map.of("a", tensor(new int[] {2}, 1f, 2f)), file.tensors());
    assertEquals(Map.of(), file.metadata());
  }

  @Test
  void emptyMetadataIsWrittenAsTheReferenceDoes() throws IOException {
    byte[] expected =
        bytes(
            72,
            "{\"__metadata__\":{},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[0,4]}}",
            "0000803f");
    assertArrayEquals(expected, write(Map.of("a", tensor(new int[] {1}, 1f)), Map.of()));
  }

  @Test
  void metadataAndSeveralTensorsAreByteIdenticalToTheReference() throws IOException {
    String referenceHex =
        "98000000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174"
            + "223a227074227d2c22622f62696173223a7b226474797065223a22463332222c227368617065"
            + "223a5b325d2c22646174615f6f666673657473223a5b302c385d7d2c227a223a7b2264747970"
            + "65223a22463332222c227368617065223a5b322c335d2c22646174615f6f666673657473223a"
            + "5b382c33325d7d7d202020202020000000bf00005040000000000000803f00000040000040400000"
            + "80400000a040";
    byte[] reference = HexFormat.of().parseHex(referenceHex);
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("b/bias", tensor(new int[] {2}, -0.5f, 3.25f));
    tensors.put("z", tensor(new int[] {2, 3}, 0, 1, 2, 3, 4, 5));
    assertArrayEquals(reference, write(tensors, Map.of("format", "pt")));

    Safetensors.File file = read(reference);
    assertEquals(List.of("b/bias", "z"), List.copyOf(file.tensors().keySet()));
    assertEquals(tensors, file.tensors());
    assertEquals(Map.of("format", "pt"), file.metadata());
  }

  @Test
  void roundTripKeepsOrderShapesBitsAndMetadata() throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("conv2d/kernel", tensor(new int[] {3, 3, 1, 2}, ramp(18)));
    tensors.put("empty", tensor(new int[] {0, 5}));
    tensors.put("scalar", tensor(new int[] {}, 42f));
    tensors.put(
        "specials",
        tensor(
            new int[] {5},
            Float.NaN,
            Float.POSITIVE_INFINITY,
            -0f,
            Float.MIN_VALUE,
            -Float.MAX_VALUE));
    tensors.put("dense/kernel", tensor(new int[] {100, 200}, ramp(20_000))); // > one chunk
    tensors.put("é \"quoted\" \\ name", tensor(new int[] {1}, 7f));
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "sparkcnn");
    metadata.put("note", "line\nbreak, ünïcode");

    byte[] bytes = write(tensors, metadata);
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8);
    Safetensors.File file = read(bytes);
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(file.tensors().keySet()));
    assertEquals(tensors, file.tensors());
    assertEquals(metadata, file.metadata());
    assertArrayEquals(bytes, write(file.tensors(), file.metadata()));
  }

  @Test
  void noTensorsIsAValidFile() throws IOException {
    byte[] bytes = write(Map.of(), null);
    assertArrayEquals(bytes(8, "{}      ", ""), bytes);
    assertEquals(Map.of(), read(bytes).tensors());
  }

  @Test
  void readsAndWritesFiles(@TempDir Path dir) throws IOException {
    Path path = dir.resolve("weights.safetensors");
    Map<String, TensorData> tensors = Map.of("w", tensor(new int[] {2, 2}, 1, 2, 3, 4));
    try (OutputStream out = Files.newOutputStream(path)) {
      Safetensors.write(out, tensors, null);
    }
    assertEquals(tensors, Safetensors.read(path).tensors());
  }

  @Test
  void aTensorCannotBeNamedLikeTheMetadata() {
    assertThrows(
        IllegalArgumentException.class,
        () -> write(Map.of("__metadata__", tensor(new int[] {1}, 1f)), null));
  }

  private static float[] ramp(int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 0.5f - 3;
    }
    return values;
  }
}
