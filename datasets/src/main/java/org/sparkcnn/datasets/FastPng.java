package org.sparkcnn.datasets;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes the common PNG variants without {@code javax.imageio}: 8 bits per sample, not interlaced,
 * gray, gray + alpha, RGB or RGBA, with no chunk that could change the colours. Such images (what
 * Pillow, OpenCV and the JDK write for photos and data sets) are inflated and unfiltered directly,
 * about ten times faster than ImageIO for small images, which matters when a Spark task decodes
 * thousands of PNGs per second.
 *
 * <p>The pixels are ImageIO's (through {@link Pixels}) exactly: samples as stored, alpha dropped,
 * luminance by {@link Pixels#luminance}. Anything else (a palette, 1/2/4/16-bit samples, Adam7, an
 * iCCP, gAMA, cHRM, sBIT or tRNS chunk, a size other than the target, a stream that does not
 * inflate to exactly the expected bytes) is declined, and the caller decodes the image with
 * ImageIO, which also produces the errors: this path never reports a problem of its own.
 *
 * <p>Callers check the chunk list first ({@link PngChunks#verify}).
 */
final class FastPng {
  // Ancillary chunks that do not change the decoded samples.
  private static final Set<String> HARMLESS =
      Set.of("tEXt", "zTXt", "iTXt", "tIME", "pHYs", "sRGB", "bKGD", "hIST", "sPLT");
  // Larger images go to ImageIO: its per-image overhead no longer dominates, and a thread
  // keeps its inflate buffer.
  static final int MAX_RAW_BYTES = 1 << 20;
  private static final ThreadLocal<Inflater> INFLATER = ThreadLocal.withInitial(Inflater::new);
  private static final ThreadLocal<byte[][]> BUFFER = ThreadLocal.withInitial(() -> new byte[1][]);

  private FastPng() {}

  /**
   * Decodes {@code png} into {@code dest[offset ..]} as {@code (height, width, channels)}, or
   * returns false (dest untouched or partly written) when the image is not one this path handles.
   */
  static boolean decodeInto(
      byte[] png, int height, int width, int channels, byte[] dest, int offset) {
    int pos = 8;
    if (png.length < pos + 8 + 13
        || PngChunks.readInt(png, pos) != 13
        || !type(png, pos + 4, "IHDR")) {
      return false;
    }
    int w = PngChunks.readInt(png, pos + 8);
    int h = PngChunks.readInt(png, pos + 12);
    int depth = png[pos + 16];
    int colorType = png[pos + 17];
    boolean standard = png[pos + 18] == 0 && png[pos + 19] == 0 && png[pos + 20] == 0;
    int samples =
        switch (colorType) {
          case 0 -> 1;
          case 4 -> 2;
          case 2 -> 3;
          case 6 -> 4;
          default -> 0;
        };
    if (w != width || h != height || depth != 8 || samples == 0 || !standard) {
      return false;
    }
    int stride = w * samples;
    long rawSize = (long) h * (stride + 1);
    if (rawSize > MAX_RAW_BYTES) {
      return false;
    }
    byte[] raw = buffer((int) rawSize);
    Inflater inflater = INFLATER.get();
    inflater.reset();
    int filled = 0;
    byte[] probe = new byte[1];
    pos += 12 + 13;
    try {
      while (true) {
        int length = PngChunks.readInt(png, pos);
        if (type(png, pos + 4, "IEND")) {
          break;
        }
        if (type(png, pos + 4, "IDAT")) {
          if (inflater.finished()) {
            return false; // data after the end of the zlib stream
          }
          inflater.setInput(png, pos + 8, length);
          while (!inflater.needsInput() && !inflater.finished()) {
            if (inflater.needsDictionary()) {
              return false;
            }
            if (filled < rawSize) {
              filled += inflater.inflate(raw, filled, (int) rawSize - filled);
            } else if (inflater.inflate(probe, 0, 1) > 0) {
              return false; // more pixel data than the image holds
            } else if (!inflater.needsInput() && !inflater.finished()) {
              return false; // no progress: leave the verdict to ImageIO
            }
          }
        } else if (!HARMLESS.contains(new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1))) {
          return false;
        }
        pos += 12 + length;
      }
    } catch (DataFormatException e) {
      return false;
    }
    if (!inflater.finished() || inflater.getRemaining() > 0 || filled != rawSize) {
      return false;
    }
    if (!unfilter(raw, h, stride, samples)) {
      return false;
    }
    for (int y = 0; y < h; y++) {
      int row = y * (stride + 1) + 1;
      for (int x = 0; x < w; x++) {
        int s = row + x * samples;
        int at = offset + (y * w + x) * channels;
        if (samples <= 2) {
          byte g = raw[s];
          for (int c = 0; c < channels; c++) {
            dest[at + c] = g;
          }
        } else if (channels == 1) {
          dest[at] = (byte) Pixels.luminance(raw[s] & 0xFF, raw[s + 1] & 0xFF, raw[s + 2] & 0xFF);
        } else {
          dest[at] = raw[s];
          dest[at + 1] = raw[s + 1];
          dest[at + 2] = raw[s + 2];
        }
      }
    }
    return true;
  }

  /** Undoes the per-row filters in place (PNG spec, section 9); false on an unknown filter. */
  static boolean unfilter(byte[] raw, int h, int stride, int bpp) {
    for (int y = 0; y < h; y++) {
      int row = y * (stride + 1);
      int filter = raw[row];
      int cur = row + 1;
      int prev = cur - (stride + 1); // only read when y > 0
      switch (filter) {
        case 0 -> {}
        case 1 -> {
          for (int i = bpp; i < stride; i++) {
            raw[cur + i] += raw[cur + i - bpp];
          }
        }
        case 2 -> {
          for (int i = 0; i < stride && y > 0; i++) {
            raw[cur + i] += raw[prev + i];
          }
        }
        case 3 -> {
          for (int i = 0; i < stride; i++) {
            int left = i >= bpp ? raw[cur + i - bpp] & 0xFF : 0;
            int up = y > 0 ? raw[prev + i] & 0xFF : 0;
            raw[cur + i] += (byte) ((left + up) >>> 1);
          }
        }
        case 4 -> {
          for (int i = 0; i < stride; i++) {
            int a = i >= bpp ? raw[cur + i - bpp] & 0xFF : 0;
            int b = y > 0 ? raw[prev + i] & 0xFF : 0;
            int c = i >= bpp && y > 0 ? raw[prev + i - bpp] & 0xFF : 0;
            raw[cur + i] += (byte) paeth(a, b, c);
          }
        }
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  /** The Paeth predictor (PNG spec, section 9.4): of left, up, up-left, the nearest to a+b-c. */
  static int paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = Math.abs(p - a);
    int pb = Math.abs(p - b);
    int pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  }

  private static byte[] buffer(int size) {
    byte[][] holder = BUFFER.get();
    if (holder[0] == null || holder[0].length < size) {
      holder[0] = new byte[Math.max(size, 4096)];
    }
    return holder[0];
  }

  private static boolean type(byte[] b, int at, String type) {
    return b[at] == type.charAt(0)
        && b[at + 1] == type.charAt(1)
        && b[at + 2] == type.charAt(2)
        && b[at + 3] == type.charAt(3);
  }
}
