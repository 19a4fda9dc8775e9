package org.sparkcnn.datasets;

/**
 * The declared size of a PNG, GIF, BMP or JPEG image, read from the first bytes of its header, so
 * that a pixel bomb (a small file declaring 100000 x 100000 pixels) is refused by a few byte reads
 * before any decoder allocates anything. Layouts (offsets in bytes):
 *
 * <ul>
 *   <li>PNG: 8-byte signature, IHDR chunk: width at 16, height at 20 (big-endian int32).
 *   <li>GIF: "GIF87a"/"GIF89a", logical screen width at 6, height at 8 (little-endian uint16).
 *   <li>BMP: "BM", DIB header size at 14; a 12-byte core header has width at 18 and height at 20
 *       (uint16), every later header width at 18 and height at 22 (int32, negative for top-down).
 *   <li>JPEG: FF D8, then marker segments up to the first start-of-frame (C0-CF except C4, C8, CC),
 *       which holds height at +5 and width at +7 (big-endian uint16).
 * </ul>
 */
final class ImageHeaders {
  private ImageHeaders() {}

  /** {height, width} as declared, or null when the format is not one of the four or cut short. */
  static long[] declaredSize(byte[] b) {
    if (PngChunks.isPng(b)) {
      return b.length >= 24 ? new long[] {u32be(b, 20), u32be(b, 16)} : null;
    }
    if (b.length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
      return new long[] {u16le(b, 8), u16le(b, 6)};
    }
    if (b.length >= 26 && b[0] == 'B' && b[1] == 'M') {
      long header = u32le(b, 14);
      if (header == 12) {
        return new long[] {u16le(b, 20), u16le(b, 18)};
      }
      return new long[] {Math.abs((long) (int) u32le(b, 22)), Math.abs((long) (int) u32le(b, 18))};
    }
    if (b.length >= 4 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8) {
      return jpegSize(b);
    }
    return null;
  }

  private static long[] jpegSize(byte[] b) {
    int pos = 2;
    while (pos + 3 < b.length) {
      if ((b[pos] & 0xFF) != 0xFF) {
        return null;
      }
      int marker = b[pos + 1] & 0xFF;
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      boolean standalone = marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8);
      if (standalone) {
        pos += 2;
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return null; // scan or end before any frame header
      }
      boolean frame =
          marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame) {
        return pos + 8 < b.length ? new long[] {u16be(b, pos + 5), u16be(b, pos + 7)} : null;
      }
      pos += 2 + u16be(b, pos + 2);
    }
    return null;
  }

  private static long u32be(byte[] b, int at) {
    return PngChunks.readInt(b, at) & 0xFFFFFFFFL;
  }

  private static int u16be(byte[] b, int at) {
    return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
  }

  private static int u16le(byte[] b, int at) {
    return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8);
  }

  private static long u32le(byte[] b, int at) {
    return (u16le(b, at) | ((long) u16le(b, at + 2) << 16)) & 0xFFFFFFFFL;
  }
}
