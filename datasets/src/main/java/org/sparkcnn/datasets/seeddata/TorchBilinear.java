package org.sparkcnn.datasets.seeddata;

/**
 * PyTorch's {@code F.interpolate(x, size, mode="bilinear", align_corners=False)} of one float32
 * channel, in float32 and in PyTorch's order of operations: output pixel {@code d} samples the
 * input at {@code max(0, (d + 0.5) * in / out - 0.5)}, the lower neighbour weighted {@code 1 -
 * lambda}, the upper (clamped to the edge) {@code lambda}; rows are blended after columns.
 */
final class TorchBilinear {
  private TorchBilinear() {}

  /** src (inH, inW) → dest (outH, outW), both row-major. */
  static void resize(float[] src, int inH, int inW, float[] dest, int outH, int outW) {
    float scaleH = (float) inH / outH;
    float scaleW = (float) inW / outW;
    for (int oh = 0; oh < outH; oh++) {
      float hr = Math.max(scaleH * (oh + 0.5f) - 0.5f, 0f);
      int h0 = (int) hr;
      int hp = h0 < inH - 1 ? 1 : 0;
      float h1l = hr - h0;
      float h0l = 1f - h1l;
      for (int ow = 0; ow < outW; ow++) {
        float wr = Math.max(scaleW * (ow + 0.5f) - 0.5f, 0f);
        int w0 = (int) wr;
        int wp = w0 < inW - 1 ? 1 : 0;
        float w1l = wr - w0;
        float w0l = 1f - w1l;
        float top = w0l * src[h0 * inW + w0] + w1l * src[h0 * inW + w0 + wp];
        float bottom = w0l * src[(h0 + hp) * inW + w0] + w1l * src[(h0 + hp) * inW + w0 + wp];
        dest[oh * outW + ow] = h0l * top + h1l * bottom;
      }
    }
  }
}
