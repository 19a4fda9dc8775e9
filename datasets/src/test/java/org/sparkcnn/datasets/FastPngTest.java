package org.sparkcnn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The direct PNG path against ImageIO on the same bytes: every filter type, every handled colour
 * type, awkward sizes, IDAT split anywhere; and the variants it must leave to ImageIO.
 */
class FastPngTest {
  private static final int[][] SIZES = {{1, 1}, {1, 7}, {7, 1}, {5, 3}, {28, 28}, {31, 17}};

  /** ImageIO's pixels for the bytes, as ImageDecoder produced them before the direct path. */
  private static byte[] viaImageIo(byte[] png, int channels) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    byte[] out = new byte[img.getHeight() * img.getWidth() * channels];
    Pixels.toChannels(img, channels, out, 0);
    return out;
  }

  private static byte[] direct(byte[] png, int h, int w, int channels) {
    byte[] out = new byte[h * w * channels];
    assertTrue(FastPng.decodeInto(png, h, w, channels, out, 0), "handled by the direct path");
    return out;
  }

  @Test
  void imageIoWrittenPngsDecodeToImageIosPixels() throws IOException {
    Random rnd = new Random(5);
    int[] types = {
      BufferedImage.TYPE_BYTE_GRAY,
      BufferedImage.TYPE_3BYTE_BGR,
      BufferedImage.TYPE_INT_RGB,
      BufferedImage.TYPE_4BYTE_ABGR,
      BufferedImage.TYPE_INT_ARGB
    };
    for (int type : types) {
      for (int[] hw : SIZES) {
        BufferedImage img = new BufferedImage(hw[1], hw[0], type);
        for (int y = 0; y < hw[0]; y++) {
          for (int x = 0; x < hw[1]; x++) {
            // Smooth gradients plus noise: the writer then picks different filters per row.
            int v = (x * 9 + y * 5 + rnd.nextInt(24)) & 0xFF;
            img.setRGB(
                x, y, (rnd.nextInt(256) << 24) | (v << 16) | ((255 - v) << 8) | rnd.nextInt(256));
          }
        }
        byte[] png = Fixtures.png(img);
        for (int channels : new int[] {1, 3}) {
          assertArrayEquals(
              viaImageIo(png, channels),
              direct(png, hw[0], hw[1], channels),
              "type " + type + ", " + hw[0] + " x " + hw[1] + ", channels " + channels);
        }
      }
    }
  }

  @Test
  void everyFilterTypeEveryColourTypeAndSplitIdat() throws IOException {
    Random rnd = new Random(11);
    for (int colorType : new int[] {0, 2, 4, 6}) {
      int samples = colorType == 0 ? 1 : colorType == 4 ? 2 : colorType == 2 ? 3 : 4;
      for (int[] hw : SIZES) {
        for (int filter = 0; filter <= 5; filter++) { // 5: a different filter on each row
          byte[] raw = new byte[hw[0] * hw[1] * samples];
          for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i % 7 == 0 ? rnd.nextInt(256) : (i * 3 + raw.length) & 0xFF);
          }
          int split = 1 + rnd.nextInt(9);
          byte[] png = encode(hw[0], hw[1], colorType, raw, filter, split, false, false);
          for (int channels : new int[] {1, 3}) {
            assertArrayEquals(
                viaImageIo(png, channels),
                direct(png, hw[0], hw[1], channels),
                "colour type "
                    + colorType
                    + ", "
                    + hw[0]
                    + " x "
                    + hw[1]
                    + ", filter "
                    + filter
                    + ", IDAT pieces of "
                    + split
                    + " bytes, channels "
                    + channels);
          }
        }
      }
    }
  }

  @Test
  void variantsItDoesNotHandleAreLeftToImageIo() throws IOException {
    byte[] out = new byte[5 * 3 * 3];
    byte[] raw = new byte[5 * 3];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) (i * 17);
    }
    byte[] plain = encode(5, 3, 0, raw, 4, 64, false, false);
    assertTrue(FastPng.decodeInto(plain, 5, 3, 1, out, 0));
    assertFalse(FastPng.decodeInto(plain, 3, 5, 1, out, 0), "another size");
    assertFalse(
        FastPng.decodeInto(encode(5, 3, 0, raw, 4, 64, true, false), 5, 3, 1, out, 0),
        "a gAMA chunk");
    assertFalse(
        FastPng.decodeInto(encode(5, 3, 0, raw, 4, 64, false, true), 5, 3, 1, out, 0),
        "more pixel data than the image holds");
    BufferedImage palette = new BufferedImage(3, 5, BufferedImage.TYPE_BYTE_INDEXED);
    assertFalse(FastPng.decodeInto(Fixtures.png(palette), 5, 3, 1, out, 0), "a palette");
    BufferedImage wide = new BufferedImage(3, 5, BufferedImage.TYPE_USHORT_GRAY);
    assertFalse(FastPng.decodeInto(Fixtures.png(wide), 5, 3, 1, out, 0), "16-bit samples");
    byte[] interlaced = plain.clone();
    interlaced[8 + 8 + 12] = 1;
    assertFalse(FastPng.decodeInto(interlaced, 5, 3, 1, out, 0), "Adam7");
    // Too short by the last row: declined, and ImageDecoder still reports the damage.
    byte[] shortRaw = Arrays.copyOf(raw, raw.length - 3);
    byte[] truncated = encode(4, 3, 0, shortRaw, 0, 64, false, false);
    truncated[8 + 8 + 3] = 5; // IHDR claims 5 rows
    fixIhdrCrc(truncated);
    assertFalse(FastPng.decodeInto(truncated, 5, 3, 1, out, 0), "too little pixel data");
    assertThrows(
        DatasetException.class, () -> ImageDecoder.exact(5, 3, 1).decode(truncated, "short.png"));
    // Through ImageDecoder: the direct path's pixels, and the fallback's for a palette image.
    assertArrayEquals(viaImageIo(plain, 3), ImageDecoder.exact(5, 3, 3).decode(plain, "p.png"));
    assertArrayEquals(
        viaImageIo(Fixtures.png(palette), 1),
        ImageDecoder.exact(5, 3, 1).decode(Fixtures.png(palette), "palette.png"));
  }

  /**
   * A PNG of raw samples (h, w, samples of the colour type) with the given filter on every row (5:
   * row y gets filter y % 5), its zlib stream split into IDAT chunks of {@code split} bytes;
   * optionally with a gAMA chunk, or with one extra row of data.
   */
  static byte[] encode(
      int h,
      int w,
      int colorType,
      byte[] raw,
      int filter,
      int split,
      boolean gama,
      boolean extraRow) {
    int samples = colorType == 0 ? 1 : colorType == 4 ? 2 : colorType == 2 ? 3 : 4;
    int stride = w * samples;
    int rows = raw.length / stride + (extraRow ? 1 : 0);
    ByteArrayOutputStream filtered = new ByteArrayOutputStream();
    for (int y = 0; y < rows; y++) {
      int f = filter == 5 ? y % 5 : filter;
      filtered.write(f);
      for (int i = 0; i < stride; i++) {
        int x = sample(raw, y, i, stride);
        int a = i >= samples ? sample(raw, y, i - samples, stride) : 0;
        int b = y > 0 ? sample(raw, y - 1, i, stride) : 0;
        int c = i >= samples && y > 0 ? sample(raw, y - 1, i - samples, stride) : 0;
        int predictor =
            switch (f) {
              case 0 -> 0;
              case 1 -> a;
              case 2 -> b;
              case 3 -> (a + b) >>> 1;
              default -> FastPng.paeth(a, b, c);
            };
        filtered.write((x - predictor) & 0xFF);
      }
    }
    Deflater deflater = new Deflater();
    deflater.setInput(filtered.toByteArray());
    deflater.finish();
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    byte[] buf = new byte[256];
    while (!deflater.finished()) {
      z.write(buf, 0, deflater.deflate(buf));
    }
    byte[] zlib = z.toByteArray();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, w);
    putInt(ihdr, 4, raw.length / stride);
    ihdr[8] = 8;
    ihdr[9] = (byte) colorType;
    chunk(png, "IHDR", ihdr);
    if (gama) {
      byte[] g = new byte[4];
      putInt(g, 0, 45455);
      chunk(png, "gAMA", g);
    }
    for (int at = 0; at < zlib.length; at += split) {
      chunk(png, "IDAT", Arrays.copyOfRange(zlib, at, Math.min(zlib.length, at + split)));
    }
    chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  private static int sample(byte[] raw, int y, int i, int stride) {
    int at = y * stride + i;
    return at < raw.length ? raw[at] & 0xFF : (at * 31) & 0xFF;
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] len = new byte[4];
    putInt(len, 0, data.length);
    out.writeBytes(len);
    byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    byte[] c = new byte[4];
    putInt(c, 0, (int) crc.getValue());
    out.writeBytes(c);
  }

  private static void fixIhdrCrc(byte[] png) {
    CRC32 crc = new CRC32();
    crc.update(png, 12, 17);
    putInt(png, 29, (int) crc.getValue());
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  @Test
  void interlaceByteOffsetIsTheIhdrsLast() {
    byte[] png = encode(1, 1, 0, new byte[] {9}, 0, 64, false, false);
    assertEquals(0, png[8 + 8 + 12], "interlace method");
    assertEquals(8, png[8 + 8 + 8], "bit depth");
  }
}
