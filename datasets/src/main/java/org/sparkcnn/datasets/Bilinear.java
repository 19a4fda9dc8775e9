package org.sparkcnn.datasets;

/**
 * Bilinear resize of uint8 images {@code (H, W, C)} channels-last, with half-pixel centres: output
 * pixel {@code x} samples the input at {@code (x + 0.5) * inW / outW - 0.5}, clamped to the edges.
 * That is OpenCV's {@code INTER_LINEAR} and TensorFlow's {@code resize(..., "bilinear",
 * antialias=False)}; it does not low-pass filter when shrinking, as PIL's {@code BILINEAR} does.
 * Results are rounded to the nearest integer.
 */
final class Bilinear {
  private Bilinear() {}

  static void resize(
      byte[] src, int inH, int inW, int channels, byte[] dest, int offset, int outH, int outW) {
    double scaleY = (double) inH / outH;
    double scaleX = (double) inW / outW;
    for (int y = 0; y < outH; y++) {
      double fy = Math.max(0, (y + 0.5) * scaleY - 0.5);
      int y0 = Math.min((int) fy, inH - 1);
      int y1 = Math.min(y0 + 1, inH - 1);
      double wy = Math.min(fy - y0, 1.0);
      for (int x = 0; x < outW; x++) {
        double fx = Math.max(0, (x + 0.5) * scaleX - 0.5);
        int x0 = Math.min((int) fx, inW - 1);
        int x1 = Math.min(x0 + 1, inW - 1);
        double wx = Math.min(fx - x0, 1.0);
        for (int c = 0; c < channels; c++) {
          double top =
              lerp(at(src, y0, x0, c, inW, channels), at(src, y0, x1, c, inW, channels), wx);
          double bottom =
              lerp(at(src, y1, x0, c, inW, channels), at(src, y1, x1, c, inW, channels), wx);
          long v = Math.round(lerp(top, bottom, wy));
          dest[offset + (y * outW + x) * channels + c] = (byte) Math.max(0, Math.min(255, v));
        }
      }
    }
  }

  private static int at(byte[] src, int y, int x, int c, int w, int channels) {
    return src[(y * w + x) * channels + c] & 0xFF;
  }

  private static double lerp(double a, double b, double t) {
    return a + (b - a) * t;
  }
}
