package org.sparkcnn.core.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;

/**
 * The validated JSON header of a safetensors file: where each tensor lies in the data buffer, and
 * the free-form string metadata. Every rule of the reference implementation is checked here, before
 * a single tensor byte is read or allocated:
 *
 * <ul>
 *   <li>the header is a JSON object; each tensor entry has exactly {@code dtype}, {@code shape} and
 *       {@code data_offsets}; {@code __metadata__}, if present, maps strings to strings;
 *   <li>the dtype is one we load (F32);
 *   <li>shape dimensions are non-negative integers whose product, times 4 bytes, equals {@code end
 *       - begin}, computed without overflow;
 *   <li>{@code 0 ≤ begin ≤ end ≤} data buffer length;
 *   <li>the tensors, in offset order, cover the data buffer exactly: no gap, no overlap, no
 *       trailing bytes.
 * </ul>
 */
final class SafetensorsHeader {

  static final String METADATA_KEY = "__metadata__";
  static final String DTYPE = "F32";
  static final int BYTES_PER_VALUE = Float.BYTES;
  private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

  /** One tensor's place in the data buffer; offsets relative to the buffer's start. */
  static final class Entry {
    final String name;
    final int[] shape;
    final long begin;
    final long end;

    Entry(String name, int[] shape, long begin, long end) {
      this.name = name;
      this.shape = shape;
      this.begin = begin;
      this.end = end;
    }

    /** Values in the tensor; an int, since {@code parse} bounded the product of the shape. */
    int valueCount() {
      return (int) ((end - begin) / BYTES_PER_VALUE);
    }
  }

  /** Tensors in data-buffer order (which is also the order the reference writer uses). */
  final List<Entry> entries;

  final Map<String, String> metadata;

  private SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {
    this.entries = entries;
    this.metadata = metadata;
  }

  /**
   * @param headerBytes the N header bytes (UTF-8 JSON, possibly padded with spaces)
   * @param bufferLength bytes in the data buffer: file length − 8 − N
   */
  static SafetensorsHeader parse(byte[] headerBytes, long bufferLength, String source)
      throws InvalidModelFileException {
    Map<String, Object> root = parseJsonObject(headerBytes, source);
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, Object> field : root.entrySet()) {
      if (field.getKey().equals(METADATA_KEY)) {
        metadata = parseMetadata(field.getValue(), source);
      } else {
        entries.add(parseEntry(field.getKey(), field.getValue(), bufferLength, source));
      }
    }
    // Sorting by (begin, end) puts empty tensors before a non-empty one at the same offset.
    entries.sort(Comparator.<Entry>comparingLong(e -> e.begin).thenComparingLong(e -> e.end));
    checkCoverage(entries, bufferLength, source);
    return new SafetensorsHeader(
        Collections.unmodifiableList(entries), Collections.unmodifiableMap(metadata));
  }

  private static Map<String, Object> parseJsonObject(byte[] headerBytes, String source)
      throws InvalidModelFileException {
    Object json;
    try {
      json = Json.parse(headerBytes, source + " header");
    } catch (JsonException e) {
      // The JSON message already follows the template and names the column.
      throw new InvalidModelFileException(e.getMessage(), e);
    }
    if (!(json instanceof Map)) {
      throw new InvalidModelFileException(
          source,
          "the header is not a JSON object",
          ErrorText.describe(json),
          "a JSON object {\"tensor name\": {\"dtype\": …, \"shape\": …, "
              + "\"data_offsets\": …}, …}",
          null);
    }
    return JsonFields.asObject(json, source);
  }

  private static Map<String, String> parseMetadata(Object value, String source)
      throws InvalidModelFileException {
    if (!(value instanceof Map)) {
      throw new InvalidModelFileException(
          source,
          "'" + METADATA_KEY + "' is not an object",
          ErrorText.describe(value),
          "an object of string values",
          null);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
      if (!(e.getValue() instanceof String)) {
        throw new InvalidModelFileException(
            source,
            "'" + METADATA_KEY + "' entry '" + e.getKey() + "' is not a string",
            ErrorText.describe(e.getValue()),
            "a string value",
            "the format allows only string metadata; encode other values as text");
      }
      metadata.put((String) e.getKey(), (String) e.getValue());
    }
    return metadata;
  }

  private static Entry parseEntry(String name, Object value, long bufferLength, String source)
      throws InvalidModelFileException {
    String tensor = "tensor '" + name + "'";
    if (!(value instanceof Map) || !((Map<?, ?>) value).keySet().equals(ENTRY_KEYS)) {
      throw new InvalidModelFileException(
          source,
          tensor + " has a malformed header entry",
          ErrorText.describe(value),
          "an object with exactly the fields 'dtype', 'shape' and 'data_offsets'",
          null);
    }
    Map<?, ?> fields = (Map<?, ?>) value;
    Object dtype = fields.get("dtype");
    if (!DTYPE.equals(dtype)) {
      throw new InvalidModelFileException(
          source,
          tensor + " has an unsupported dtype",
          ErrorText.describe(dtype),
          "\"" + DTYPE + "\" (float32)",
          "convert the weights to float32 before saving, e.g. "
              + "{k: v.float() for k, v in state_dict.items()}");
    }
    int[] shape = parseShape(tensor, fields.get("shape"), source);
    long[] offsets = parseOffsets(tensor, fields.get("data_offsets"), bufferLength, source);
    long bytes = byteCount(tensor, shape, source);
    if (offsets[1] - offsets[0] != bytes) {
      throw new InvalidModelFileException(
          source,
          tensor + " has data_offsets that disagree with its shape",
          (offsets[1] - offsets[0])
              + " bytes (data_offsets "
              + offsets[0]
              + ".."
              + offsets[1]
              + ")",
          bytes + " bytes (shape " + Arrays.toString(shape) + " × " + BYTES_PER_VALUE + " bytes)",
          null);
    }
    return new Entry(name, shape, offsets[0], offsets[1]);
  }

  private static int[] parseShape(String tensor, Object value, String source)
      throws InvalidModelFileException {
    String expected = "an array of integers in [0, " + Integer.MAX_VALUE + "]";
    if (!(value instanceof List)) {
      throw new InvalidModelFileException(
          source, tensor + " has an invalid shape", ErrorText.describe(value), expected, null);
    }
    List<?> dims = (List<?>) value;
    int[] shape = new int[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      Object dim = dims.get(i);
      if (!(dim instanceof Long) || (Long) dim < 0 || (Long) dim > Integer.MAX_VALUE) {
        throw new InvalidModelFileException(
            source,
            tensor + " has an invalid shape (dimension " + i + ")",
            ErrorText.describe(value),
            expected,
            null);
      }
      shape[i] = (int) (long) (Long) dim;
    }
    return shape;
  }

  private static long[] parseOffsets(String tensor, Object value, long bufferLength, String source)
      throws InvalidModelFileException {
    String expected =
        "[begin, end] with 0 ≤ begin ≤ end ≤ " + bufferLength + " (the data buffer's length)";
    if (!(value instanceof List)
        || ((List<?>) value).size() != 2
        || !(((List<?>) value).get(0) instanceof Long)
        || !(((List<?>) value).get(1) instanceof Long)) {
      throw new InvalidModelFileException(
          source, tensor + " has invalid data_offsets", ErrorText.describe(value), expected, null);
    }
    long begin = (Long) ((List<?>) value).get(0);
    long end = (Long) ((List<?>) value).get(1);
    if (begin < 0 || begin > end || end > bufferLength) {
      throw new InvalidModelFileException(
          source,
          tensor + " has data_offsets outside the data buffer",
          "[" + begin + ", " + end + "]",
          expected,
          end > bufferLength ? "the file may be truncated" : null);
    }
    return new long[] {begin, end};
  }

  /** product(shape) × 4, refusing anything that overflows a long or a Java array. */
  private static long byteCount(String tensor, int[] shape, String source)
      throws InvalidModelFileException {
    long count = 1;
    try {
      for (int dim : shape) {
        count = Math.multiplyExact(count, dim);
      }
      long bytes = Math.multiplyExact(count, BYTES_PER_VALUE);
      if (count <= Integer.MAX_VALUE - 8) {
        return bytes;
      }
    } catch (ArithmeticException overflow) {
      // Reported below, with the shape.
    }
    throw new InvalidModelFileException(
        source,
        tensor + " is too large",
        "shape " + Arrays.toString(shape),
        "at most " + (Integer.MAX_VALUE - 8) + " values (one Java array)",
        null);
  }

  private static void checkCoverage(List<Entry> entries, long bufferLength, String source)
      throws InvalidModelFileException {
    long covered = 0;
    Entry previous = null;
    for (Entry e : entries) {
      if (e.begin < covered) {
        throw new InvalidModelFileException(
            source,
            "tensors '" + previous.name + "' and '" + e.name + "' overlap",
            "'" + e.name + "' begins at byte " + e.begin + " of the data buffer",
            "byte " + covered + ", where '" + previous.name + "' ends",
            "each byte of the data buffer belongs to exactly one tensor");
      }
      if (e.begin > covered) {
        throw new InvalidModelFileException(
            source,
            "gap in the data buffer before tensor '" + e.name + "'",
            "'" + e.name + "' begins at byte " + e.begin,
            "byte "
                + covered
                + (previous == null
                    ? ", the buffer's start"
                    : ", where '" + previous.name + "' ends"),
            "each byte of the data buffer belongs to exactly one tensor");
      }
      covered = e.end;
      previous = e;
    }
    if (covered != bufferLength) {
      throw new InvalidModelFileException(
          source,
          "trailing bytes after the last tensor",
          "a data buffer of " + bufferLength + " bytes, of which the tensors cover " + covered,
          "tensors covering the data buffer exactly",
          "the file may have been appended to, or its header is damaged");
    }
  }
}
