package org.sparkcnn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  @TempDir Path dir;

  @Test
  void grayPngKeepsItsValuesIncludingMidTones() {
    byte[] png = Fixtures.png(Fixtures.gray(2, 3, 0, 1, 127, 128, 200, 255));
    byte[] out = ImageDecoder.exact(2, 3, 1).decode(png, "g.png");
    assertArrayEquals(new int[] {0, 1, 127, 128, 200, 255}, Fixtures.unsigned(out));
  }

  @Test
  void grayToRgbReplicates() {
    byte[] png = Fixtures.png(Fixtures.gray(1, 2, 10, 240));
    byte[] out = ImageDecoder.exact(1, 2, 3).decode(png, "g.png");
    assertArrayEquals(new int[] {10, 10, 10, 240, 240, 240}, Fixtures.unsigned(out));
  }

  @Test
  void rgbToLuminanceMatchesPil() {
    BufferedImage img = new BufferedImage(4, 1, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xFF0000);
    img.setRGB(1, 0, 0x00FF00);
    img.setRGB(2, 0, 0x0000FF);
    img.setRGB(3, 0, 0x0AC81E); // (10, 200, 30)
    byte[] out = ImageDecoder.exact(1, 4, 1).decode(Fixtures.png(img), "rgb.png");
    // PIL: Image.new("RGB", ...).convert("L") gives 76, 150, 29 and 124 for these colours.
    assertArrayEquals(new int[] {76, 150, 29, 124}, Fixtures.unsigned(out));

    byte[] rgb = ImageDecoder.exact(1, 4, 3).decode(Fixtures.png(img), "rgb.png");
    assertArrayEquals(
        new int[] {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30}, Fixtures.unsigned(rgb));
  }

  @Test
  void alphaIsDroppedNotComposited() {
    BufferedImage img = Fixtures.filled(1, 1, BufferedImage.TYPE_INT_ARGB, 0x00C86432);
    byte[] out = ImageDecoder.exact(1, 1, 3).decode(Fixtures.png(img), "a.png");
    assertArrayEquals(new int[] {200, 100, 50}, Fixtures.unsigned(out));
  }

  @Test
  void sixteenBitGrayIsScaledToEightBits() {
    BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
    img.getRaster().setPixels(0, 0, 3, 1, new int[] {0, 32896, 65535});
    byte[] out = ImageDecoder.exact(1, 3, 1).decode(Fixtures.png(img), "g16.png");
    assertArrayEquals(new int[] {0, 128, 255}, Fixtures.unsigned(out));
  }

  @Test
  void bmpAndGifDecodeExactlyAndJpegClosely() {
    BufferedImage img = Fixtures.filled(4, 4, BufferedImage.TYPE_3BYTE_BGR, 0x3C78B4);
    int[] expected = new int[48];
    for (int k = 0; k < 48; k += 3) {
      expected[k] = 0x3C;
      expected[k + 1] = 0x78;
      expected[k + 2] = 0xB4;
    }
    ImageDecoder rgb = ImageDecoder.exact(4, 4, 3);
    assertArrayEquals(expected, Fixtures.unsigned(rgb.decode(Fixtures.encode(img, "bmp"), "b")));
    BufferedImage indexed = Fixtures.filled(4, 4, BufferedImage.TYPE_BYTE_INDEXED, 0xFF0000);
    byte[] gif = rgb.decode(Fixtures.encode(indexed, "gif"), "g");
    assertEquals(255, gif[0] & 0xFF);
    assertEquals(0, gif[1]);

    byte[] jpeg = Fixtures.encode(Fixtures.gray(8, 8, fill(64, 100)), "jpeg");
    for (int v : Fixtures.unsigned(ImageDecoder.exact(8, 8, 1).decode(jpeg, "j.jpg"))) {
      assertEquals(100, v, 2);
    }
  }

  private static int[] fill(int n, int v) {
    int[] a = new int[n];
    Arrays.fill(a, v);
    return a;
  }

  @Test
  void notAnImageNamesTheSourceAndItsFirstBytes() {
    byte[] text = "hello, world".getBytes(StandardCharsets.US_ASCII);
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> ImageDecoder.exact(2, 2, 1).decode(text, "row 17 of part-00003"));
    assertEquals("row 17 of part-00003", e.source());
    assertTrue(e.getMessage().startsWith("Not an image"), e.getMessage());
    assertEquals("data starting with bytes 68 65 6c 6c 6f 2c 20 77", e.received());

    e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(2, 2, 1).decode(new byte[0], "empty"));
    assertEquals("empty data", e.received());

    byte[] idx = Fixtures.idxImages(1, 2, 2);
    assertThrows(DatasetException.class, () -> ImageDecoder.exact(2, 2, 1).decode(idx, "idx"));
  }

  @Test
  void truncatedPngIsCorrupt() {
    byte[] png = Fixtures.png(Fixtures.grayPattern(16, 16, 1));
    byte[] cut = Arrays.copyOf(png, png.length / 2);
    DatasetException e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(16, 16, 1).decode(cut, "cut.png"));
    assertTrue(
        e.getMessage().startsWith("Image cannot be decoded: corrupt or truncated PNG"),
        e.getMessage());
    assertEquals("chunk 1 ('IDAT') at byte 33", e.entry());
  }

  @Test
  void pngMissingOnlyItsEndIsCorrupt() {
    // The JDK reader alone decodes this one without complaint: every pixel is still there.
    byte[] png = Fixtures.png(Fixtures.grayPattern(4, 4, 1));
    byte[] noEnd = Arrays.copyOf(png, png.length - 12);
    DatasetException e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(4, 4, 1).decode(noEnd, "no-iend.png"));
    assertTrue(e.received().contains("before the IEND chunk"), e.received());
  }

  @Test
  void flippedBitInPngIsCaughtByItsCrc() {
    byte[] png = Fixtures.png(Fixtures.grayPattern(16, 16, 1));
    png[50] ^= 0x01;
    DatasetException e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(16, 16, 1).decode(png, "flipped.png"));
    assertTrue(e.received().startsWith("CRC-32"), e.received());
  }

  @Test
  void truncatedBmpAndGifAreCorrupt() {
    BufferedImage rgb = Fixtures.filled(16, 16, BufferedImage.TYPE_3BYTE_BGR, 0x3C78B4);
    for (String format : new String[] {"bmp", "gif"}) {
      byte[] full = Fixtures.encode(rgb, format);
      byte[] cut = Arrays.copyOf(full, full.length - 10);
      DatasetException e =
          assertThrows(
              DatasetException.class,
              () -> ImageDecoder.exact(16, 16, 3).decode(cut, "cut." + format),
              format);
      assertTrue(e.getMessage().startsWith("Image cannot be decoded"), e.getMessage());
    }
  }

  @Test
  void damagedPngDataIsCorrupt() {
    byte[] png = Fixtures.png(Fixtures.grayPattern(16, 16, 1));
    byte[] bad = png.clone();
    // Overwrite the compressed pixel data (after the 8-byte signature, IHDR and IDAT's header).
    for (int i = 45; i < bad.length - 20; i++) {
      bad[i] = (byte) 0xA5;
    }
    DatasetException e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(16, 16, 1).decode(bad, "bad.png"));
    assertTrue(e.getMessage().startsWith("Image cannot be decoded"), e.getMessage());
  }

  @Test
  void truncatedJpegIsCorruptNotSilentlyGray() {
    byte[] jpeg = Fixtures.encode(Fixtures.grayPattern(32, 32, 3), "jpeg");
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
    DatasetException e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(32, 32, 1).decode(cut, "cut.jpg"));
    assertTrue(e.getMessage().startsWith("Image cannot be decoded"), e.getMessage());
  }

  @Test
  void otherFormatsAreRefusedByName() {
    byte[] tiff = Fixtures.encode(Fixtures.grayPattern(2, 2, 0), "tiff");
    DatasetException e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(2, 2, 1).decode(tiff, "x.tif"));
    assertEquals("TIF", e.received()); // the JDK reader calls its format "tif"
  }

  @Test
  void wrongSizeIsAnErrorWithoutResize() {
    byte[] png = Fixtures.png(Fixtures.grayPattern(30, 28, 0));
    DatasetException e =
        assertThrows(
            DatasetException.class, () -> ImageDecoder.exact(28, 28, 1).decode(png, "big.png"));
    assertEquals("30 x 28 (H x W)", e.received());
    assertEquals("28 x 28", e.expected());
    assertTrue(e.getMessage().contains("resize option"), e.getMessage());
  }

  @Test
  void bilinearResizeUsesHalfPixelCentres() {
    ImageDecoder up = ImageDecoder.resizing(1, 4, 1);
    assertArrayEquals(
        new int[] {0, 25, 75, 100},
        Fixtures.unsigned(up.decode(Fixtures.png(Fixtures.gray(1, 2, 0, 100)), "up")));
    ImageDecoder down = ImageDecoder.resizing(1, 2, 1);
    assertArrayEquals(
        new int[] {50, 120},
        Fixtures.unsigned(down.decode(Fixtures.png(Fixtures.gray(1, 4, 0, 100, 200, 40)), "down")));
    ImageDecoder same = ImageDecoder.resizing(2, 2, 1);
    assertArrayEquals(
        new int[] {1, 2, 3, 4},
        Fixtures.unsigned(same.decode(Fixtures.png(Fixtures.gray(2, 2, 1, 2, 3, 4)), "same")));
    // 2-D: (2, 2) -> (4, 4); the centre four pixels blend all corners.
    byte[] grid =
        ImageDecoder.resizing(4, 4, 1)
            .decode(Fixtures.png(Fixtures.gray(2, 2, 0, 100, 100, 200)), "grid");
    assertEquals(0, grid[0] & 0xFF);
    assertEquals(50, grid[5] & 0xFF); // at (0.25, 0.25): 0*.5625 + 100*.1875*2 + 200*.0625
    assertEquals(200, grid[15] & 0xFF);
  }

  @Test
  void decodesIntoAnOffsetFromFilesAndStreams() {
    Path f = Fixtures.write(dir.resolve("img.png"), Fixtures.png(Fixtures.gray(1, 2, 7, 8)));
    byte[] batch = new byte[6];
    ImageDecoder d = ImageDecoder.exact(1, 2, 1);
    d.decodeInto(f, batch, 2);
    assertArrayEquals(new int[] {0, 0, 7, 8, 0, 0}, Fixtures.unsigned(batch));
    byte[] fromStream =
        d.decode(new ByteArrayInputStream(Fixtures.png(Fixtures.gray(1, 2, 9, 10))), "stream");
    assertArrayEquals(new int[] {9, 10}, Fixtures.unsigned(fromStream));
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> ImageDecoder.exact(28, 28, 2));
    assertThrows(IllegalArgumentException.class, () -> ImageDecoder.exact(0, 28, 1));
  }
}
