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
    Axis rows = new Axis(inH, outH);
    Axis cols = new Axis(inW, outW);
    for (int oh = 0; oh < outH; oh++) {
      int top = rows.lower[oh] * inW;
      int bottom = rows.upper[oh] * inW;
      for (int ow = 0; ow < outW; ow++) {
        int left = cols.lower[ow];
        int right = cols.upper[ow];
        float t = cols.lowerWeight[ow] * src[top + left] + cols.upperWeight[ow] * src[top + right];
        float b =
            cols.lowerWeight[ow] * src[bottom + left] + cols.upperWeight[ow] * src[bottom + right];
        dest[oh * outW + ow] = rows.lowerWeight[oh] * t + rows.upperWeight[oh] * b;
      }
    }
  }

  /** Where each output index along one axis samples the input: two neighbours and their weights. */
  private static final class Axis {
    final int[] lower;
    final int[] upper;
    final float[] lowerWeight;
    final float[] upperWeight;

    Axis(int in, int out) {
      lower = new int[out];
      upper = new int[out];
      lowerWeight = new float[out];
      upperWeight = new float[out];
      float scale = (float) in / out;
      for (int d = 0; d < out; d++) {
        float real = Math.max(scale * (d + 0.5f) - 0.5f, 0f);
        lower[d] = (int) real;
        upper[d] = lower[d] < in - 1 ? lower[d] + 1 : lower[d];
        upperWeight[d] = real - lower[d];
        lowerWeight[d] = 1f - upperWeight[d];
      }
    }
  }
}
