package org.sparkcnn.datasets;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Encodes 8-bit gray pixels as PNG bytes with ImageIO: how the tests and the benchmarks make the
 * images they then read through {@link ImageDecoder} and the Spark image sources.
 */
public final class GrayPng {
  private GrayPng() {}

  /**
   * The {@code height} x {@code width} image stored row by row in {@code pixels} from {@code
   * offset}, one byte a pixel, as a PNG.
   */
  public static byte[] encode(byte[] pixels, int offset, int height, int width) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    byte[] image = Arrays.copyOfRange(pixels, offset, offset + height * width);
    img.getRaster().setDataElements(0, 0, width, height, image);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
