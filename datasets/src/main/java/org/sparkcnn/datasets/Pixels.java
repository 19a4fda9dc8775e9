package org.sparkcnn.datasets;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns a decoded {@link BufferedImage} into uint8 pixels {@code (H, W, C)} channels-last with C =
 * 1 or 3, dropping any alpha channel (as PIL's {@code convert("L")} and {@code convert("RGB")} do).
 */
final class Pixels {
  private Pixels() {}

  static void toChannels(BufferedImage img, int channels, byte[] dest, int offset) {
    ColorModel cm = img.getColorModel();
    boolean gray =
        cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(cm instanceof IndexColorModel);
    if (gray) {
      grayToChannels(img, channels, dest, offset);
    } else {
      rgbToChannels(img, channels, dest, offset);
    }
  }

  // Gray rasters are read directly: getRGB() would pass them through the linear-gray to sRGB
  // conversion and brighten every mid-tone (128 becomes about 186).
  private static void grayToChannels(BufferedImage img, int channels, byte[] dest, int offset) {
    int w = img.getWidth();
    int h = img.getHeight();
    Raster raster = img.getRaster();
    int bits = img.getColorModel().getComponentSize(0);
    long max = (1L << bits) - 1;
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      raster.getSamples(0, y, w, 1, 0, row);
      for (int x = 0; x < w; x++) {
        int v = bits == 8 ? row[x] : (int) ((row[x] * 255L + max / 2) / max);
        int at = offset + (y * w + x) * channels;
        for (int c = 0; c < channels; c++) {
          dest[at + c] = (byte) v;
        }
      }
    }
  }

  private static void rgbToChannels(BufferedImage img, int channels, byte[] dest, int offset) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int r = (row[x] >> 16) & 0xFF;
        int g = (row[x] >> 8) & 0xFF;
        int b = row[x] & 0xFF;
        int at = offset + (y * w + x) * channels;
        if (channels == 1) {
          dest[at] = (byte) luminance(r, g, b);
        } else {
          dest[at] = (byte) r;
          dest[at + 1] = (byte) g;
          dest[at + 2] = (byte) b;
        }
      }
    }
  }

  /**
   * ITU-R 601-2 luma, L = 0.299 R + 0.587 G + 0.114 B, in the fixed-point form Pillow uses for mode
   * "L" (weights scaled by 2^16, rounded), so our grayscale matches a Python pipeline's exactly.
   */
  static int luminance(int r, int g, int b) {
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  }
}
