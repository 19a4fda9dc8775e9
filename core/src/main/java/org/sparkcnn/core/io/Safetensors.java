package org.sparkcnn.core.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Reads and writes weights in the safetensors format (huggingface/safetensors), float32 only.
 *
 * <p>Layout of a file:
 *
 * <pre>
 *   8 bytes   N, unsigned little-endian: the header's length
 *   N bytes   UTF-8 JSON header, padded with spaces to a multiple of 8:
 *             {"__metadata__": {"key": "value", …},            (optional, strings only)
 *              "name": {"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end]}, …}
 *   the rest  the data buffer: every tensor's values, little-endian, row-major;
 *             data_offsets are relative to the buffer's start
 * </pre>
 *
 * <p>The reader is meant for files from anywhere: every header field is checked against the file's
 * length (see {@link SafetensorsHeader}) before anything is allocated from it, so a truncated or
 * hostile file costs at most its own size in memory and ends in an {@link
 * InvalidModelFileException}.
 */
public final class Safetensors {

  /** The reference implementation's limit on the header's length, in bytes. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final int LENGTH_PREFIX_BYTES = 8;
  private static final int HEADER_ALIGNMENT = 8;

  /** Tensor bytes are converted through a buffer of this size, not all at once. */
  private static final int CHUNK_BYTES = 1 << 16;

  private Safetensors() {}

  /**
   * The contents of a file.
   *
   * @param tensors name → tensor, in the order of the tensors' data in the file
   * @param metadata the {@code __metadata__} strings, empty when absent
   */
  public record File(Map<String, TensorData> tensors, Map<String, String> metadata) {}

  // ---- writing ----

  /**
   * Writes a complete file to {@code out}, which is left open.
   *
   * <p>The header is compact JSON: {@code __metadata__} first (when {@code metadata} is not null;
   * an empty map writes {@code {}}), then the tensors in the iteration order of {@code tensors},
   * which is also the order of their data. The header is padded with spaces to a multiple of 8
   * bytes. With tensor names in sorted order and at most one metadata entry the bytes are identical
   * to those of the reference {@code safetensors.numpy.save} (which sorts by name, and orders
   * metadata as its hash map does).
   *
   * @param metadata may be null, for no {@code __metadata__} entry
   * @throws IllegalArgumentException for a tensor named {@code __metadata__}, or a header beyond
   *     {@link #MAX_HEADER_BYTES}
   */
  public static void write(
      OutputStream out, Map<String, TensorData> tensors, Map<String, String> metadata)
      throws IOException {
    byte[] header = headerBytes(tensors, metadata);
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    chunk.putLong(header.length);
    out.write(chunk.array(), 0, chunk.position());
    out.write(header);
    chunk.clear();
    for (TensorData tensor : tensors.values()) {
      for (float value : tensor.data()) {
        if (!chunk.hasRemaining()) {
          out.write(chunk.array(), 0, chunk.position());
          chunk.clear();
        }
        chunk.putFloat(value);
      }
    }
    out.write(chunk.array(), 0, chunk.position());
  }

  private static byte[] headerBytes(Map<String, TensorData> tensors, Map<String, String> metadata) {
    Map<String, Object> header = new LinkedHashMap<>();
    if (metadata != null) {
      header.put(SafetensorsHeader.METADATA_KEY, metadata);
    }
    long offset = 0;
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      if (e.getKey().equals(SafetensorsHeader.METADATA_KEY)) {
        throw new IllegalArgumentException(
            ErrorText.of("reserved tensor name", "'" + e.getKey() + "'", "any other name", null));
      }
      long end = offset + (long) e.getValue().data().length * Float.BYTES;
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", SafetensorsHeader.DTYPE);
      entry.put("shape", shapeList(e.getValue().shape()));
      entry.put("data_offsets", List.of(offset, end));
      header.put(e.getKey(), entry);
      offset = end;
    }
    String json = Json.writeCompact(header);
    int length = json.getBytes(StandardCharsets.UTF_8).length;
    int padding = (HEADER_ALIGNMENT - length % HEADER_ALIGNMENT) % HEADER_ALIGNMENT;
    if (length + padding > MAX_HEADER_BYTES) {
      // Never write a file that no reader would accept.
      throw new IllegalArgumentException(
          ErrorText.of(
              "header too large",
              (length + padding) + " bytes for " + tensors.size() + " tensors",
              "at most " + MAX_HEADER_BYTES + " bytes",
              "are the tensor names very long?"));
    }
    return (json + " ".repeat(padding)).getBytes(StandardCharsets.UTF_8);
  }

  private static List<Object> shapeList(int[] shape) {
    List<Object> list = new ArrayList<>(shape.length);
    for (int dim : shape) {
      list.add((long) dim);
    }
    return list;
  }

  // ---- reading ----

  /** Reads and validates a file; errors name it by {@code file.toString()}. */
  public static File read(Path file) throws IOException {
    long length = RegularFiles.requireRegular(file).size();
    return RegularFiles.within(
        file.toString(),
        () -> {
          try (InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK_BYTES)) {
            return read(in, length, file.toString());
          }
        });
  }

  /**
   * Reads and validates a file held in memory.
   *
   * @param what what the file holds, for the error when it cannot be read ("weights file")
   */
  public static File read(byte[] bytes, String sourceName, String what)
      throws InvalidModelFileException {
    try {
      return read(new ByteArrayInputStream(bytes), bytes.length, sourceName);
    } catch (InvalidModelFileException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidModelFileException(sourceName + ": unreadable " + what, e);
    }
  }

  /**
   * Reads and validates a whole file from {@code in}, which is left open.
   *
   * @param fileLength the file's length as its storage reports it; the stream must deliver exactly
   *     that many bytes
   * @param sourceName how errors name the file
   * @throws InvalidModelFileException for any breach of the format, a stream shorter or longer than
   *     {@code fileLength}, or a dtype other than F32
   */
  public static File read(InputStream in, long fileLength, String sourceName) throws IOException {
    if (fileLength < LENGTH_PREFIX_BYTES) {
      throw new InvalidModelFileException(
          sourceName,
          "file too short",
          fileLength + " bytes",
          "at least 8 bytes (the header length)",
          "the file is empty or truncated, or is not a safetensors file");
    }
    long headerLength =
        ByteBuffer.wrap(readFully(in, LENGTH_PREFIX_BYTES, sourceName, "the header length", 0))
            .order(ByteOrder.LITTLE_ENDIAN)
            .getLong();
    long bufferLength = checkHeaderLength(headerLength, fileLength, sourceName);
    byte[] headerBytes =
        readFully(in, (int) headerLength, sourceName, "the header", LENGTH_PREFIX_BYTES);
    SafetensorsHeader header = SafetensorsHeader.parse(headerBytes, bufferLength, sourceName);

    Map<String, TensorData> tensors = new LinkedHashMap<>();
    long position = LENGTH_PREFIX_BYTES + headerLength;
    for (SafetensorsHeader.Entry entry : header.entries) {
      float[] values = readFloats(in, entry, sourceName, position);
      tensors.put(entry.name, new TensorData(entry.shape, values));
      position += entry.end - entry.begin;
    }
    if (in.read() != -1) {
      throw new InvalidModelFileException(
          sourceName,
          "more bytes than the file's length",
          "more than " + fileLength + " bytes",
          fileLength + " bytes",
          "the length passed to read() does not match the stream");
    }
    return new File(Collections.unmodifiableMap(tensors), header.metadata);
  }

  /** Returns the data buffer's length, once the header length is known to be sane. */
  private static long checkHeaderLength(long headerLength, long fileLength, String source)
      throws InvalidModelFileException {
    // Unsigned comparison: a length with the top bit set is huge, not negative.
    if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
      throw new InvalidModelFileException(
          source,
          "header length too large",
          Long.toUnsignedString(headerLength) + " bytes",
          "at most " + MAX_HEADER_BYTES + " bytes",
          "the file is damaged, or is not a safetensors file");
    }
    if (headerLength > fileLength - LENGTH_PREFIX_BYTES) {
      throw new InvalidModelFileException(
          source,
          "header length exceeds the file",
          headerLength + " bytes of header in a file of " + fileLength + " bytes",
          "at most " + (fileLength - LENGTH_PREFIX_BYTES) + " bytes (the file's length − 8)",
          "the file is truncated, or is not a safetensors file");
    }
    return fileLength - LENGTH_PREFIX_BYTES - headerLength;
  }

  /**
   * Reads one tensor's values. Its bytes come in chunks, so a stream that ends early is detected
   * having allocated only the tensor's array, whose size the header check bounded by the file's
   * length.
   */
  private static float[] readFloats(
      InputStream in, SafetensorsHeader.Entry entry, String source, long position)
      throws IOException {
    float[] values = new float[entry.valueCount()];
    byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, (long) values.length * Float.BYTES)];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    int done = 0;
    while (done < values.length) {
      int count = Math.min(values.length - done, chunk.length / Float.BYTES);
      int got = in.readNBytes(chunk, 0, count * Float.BYTES);
      if (got < count * Float.BYTES) {
        long expected = entry.end - entry.begin;
        long received = (long) done * Float.BYTES + got;
        throw truncated(
            source, "tensor '" + entry.name + "'", position + received, received, expected);
      }
      buffer.clear();
      buffer.asFloatBuffer().get(values, done, count);
      done += count;
    }
    return values;
  }

  /** Reads exactly {@code length} bytes of {@code what}, which starts at {@code position}. */
  private static byte[] readFully(
      InputStream in, int length, String source, String what, long position) throws IOException {
    // readNBytes grows its buffer as bytes arrive: a lying length costs no more than the data.
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length) {
      throw truncated(source, what, position + bytes.length, bytes.length, length);
    }
    return bytes;
  }

  private static InvalidModelFileException truncated(
      String source, String what, long fileEnd, long received, long expected) {
    return new InvalidModelFileException(
        source,
        "file ends early, in " + what,
        received
            + " of its "
            + expected
            + " bytes (the stream ended at byte "
            + fileEnd
            + " of the file)",
        expected + " bytes",
        "the file is truncated; was it copied or downloaded completely?");
  }
}
