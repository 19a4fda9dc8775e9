package org.sparkcnn.datasets;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Walks a PNG's chunk list and checks what the JDK's PNG reader does not: every chunk's CRC-32, and
 * an IEND chunk at the end. Without this, a PNG cut short after its last pixel row, or with flipped
 * bits inside the compressed data, can decode "successfully" into wrong pixels.
 *
 * <p>Layout: an 8-byte signature, then chunks of {length (4), type (4), data (length), CRC (4)},
 * the CRC covering type and data. Bytes after IEND are tolerated, as every decoder does.
 */
final class PngChunks {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private PngChunks() {}

  static boolean isPng(byte[] data) {
    if (data.length < SIGNATURE.length) {
      return false;
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (data[i] != SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  /** Fails on the first damaged chunk, naming it and its byte offset. */
  static void verify(byte[] data, String source) {
    int pos = SIGNATURE.length;
    int index = 0;
    while (true) {
      if (pos + 8 > data.length) {
        throw corrupt(
            source,
            "chunk " + index + " at byte " + pos,
            "the data ends after " + data.length + " bytes, before the IEND chunk",
            "a complete chunk list ending with IEND");
      }
      long length = readInt(data, pos) & 0xFFFFFFFFL;
      String type = new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1);
      String where = "chunk " + index + " ('" + type + "') at byte " + pos;
      if (pos + 12 + length > data.length) {
        throw corrupt(
            source,
            where,
            "a chunk of "
                + length
                + " data bytes with only "
                + Math.max(0, data.length - pos - 12)
                + " left in the file",
            "a complete chunk list ending with IEND");
      }
      CRC32 crc = new CRC32();
      crc.update(data, pos + 4, 4 + (int) length);
      int stored = readInt(data, pos + 8 + (int) length);
      if ((int) crc.getValue() != stored) {
        throw corrupt(
            source,
            where,
            String.format("CRC-32 0x%08X", stored),
            String.format("CRC-32 0x%08X, computed from the chunk", crc.getValue()));
      }
      if (type.equals("IEND")) {
        return;
      }
      pos += 12 + (int) length;
      index++;
    }
  }

  /** The big-endian 32-bit integer at {@code at} (PNG's byte order). */
  static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24)
        | ((b[at + 1] & 0xFF) << 16)
        | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }

  private static DatasetException corrupt(
      String source, String where, String received, String expected) {
    return DatasetException.in(source)
        .at(where)
        .problem("Image cannot be decoded: corrupt or truncated PNG")
        .received(received)
        .expected(expected)
        .hint("the file was cut short or damaged; re-export or remove it.")
        .build();
  }
}
