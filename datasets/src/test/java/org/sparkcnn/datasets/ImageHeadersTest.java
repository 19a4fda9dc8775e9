package org.sparkcnn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Image headers of every format are read by our own few lines, so a pixel bomb is refused before
 * any decoder allocates: the declared sizes equal what ImageIO wrote, and a 100000 x 100000 header
 * fails with our message (no decoder exception as its cause) at once.
 */
class ImageHeadersTest {
  private static final String[] FORMATS = {"png", "gif", "bmp", "jpeg"};

  @Test
  void declaredSizesAreTheWrittenOnesInEveryFormat() {
    for (String format : FORMATS) {
      for (int[] hw : new int[][] {{1, 1}, {7, 13}, {300, 2}}) {
        byte[] encoded =
            Fixtures.encode(
                Fixtures.filled(hw[0], hw[1], BufferedImage.TYPE_3BYTE_BGR, 0x336699), format);
        assertArrayEquals(
            new long[] {hw[0], hw[1]},
            ImageHeaders.declaredSize(encoded),
            format + " " + hw[0] + " x " + hw[1]);
      }
    }
    assertNull(ImageHeaders.declaredSize(new byte[] {1, 2, 3}));
    assertNull(ImageHeaders.declaredSize(new byte[0]));
  }

  /** The first bytes of an image of each format declaring {@code h x w}; no pixel data follows. */
  static byte[] bombHeader(String format, int h, int w) {
    ByteBuffer b = ByteBuffer.allocate(64);
    switch (format) {
      case "png" -> {
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        b.putInt(13).put("IHDR".getBytes()).putInt(w).putInt(h).put(new byte[] {8, 0, 0, 0, 0});
      }
      case "gif" -> {
        b.order(ByteOrder.LITTLE_ENDIAN).put("GIF89a".getBytes());
        b.putShort((short) w).putShort((short) h);
      }
      case "bmp" -> {
        b.order(ByteOrder.LITTLE_ENDIAN).put("BM".getBytes()).putInt(64).putInt(0).putInt(54);
        b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 24);
      }
      case "jpeg" -> {
        b.put(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 4, 0, 0});
        b.put(new byte[] {(byte) 0xFF, (byte) 0xC0, 0, 11, 8});
        b.putShort((short) h).putShort((short) w).put(new byte[] {1, 1, 0x11, 0});
      }
      default -> throw new IllegalArgumentException(format);
    }
    return b.array();
  }

  @Test
  void pixelBombsOfEveryFormatAreRefusedByOurCheckBeforeDecoding() {
    ImageDecoder decoder = ImageDecoder.resizing(28, 28, 1);
    for (String format : FORMATS) {
      // GIF and JPEG hold 16-bit sizes: 60000 x 60000 is their bomb.
      int side = format.equals("png") || format.equals("bmp") ? 100_000 : 60_000;
      byte[] bomb = bombHeader(format, side, side);
      DatasetException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(5),
              () -> assertThrows(DatasetException.class, () -> decoder.decode(bomb, format)));
      assertEquals(side + " x " + side + " pixels (H x W)", e.received(), format);
      assertEquals("at most " + ImageDecoder.MAX_SOURCE_PIXELS + " pixels", e.expected(), format);
      assertNull(e.getCause(), format + ": refused by our check, not by a decoder");
      e =
          assertThrows(
              DatasetException.class, () -> ImageDecoder.dimensionsOf(bomb, format + " file"));
      assertEquals(side + " x " + side + " pixels (H x W)", e.received(), format);
    }
  }
}
