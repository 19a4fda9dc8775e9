package org.sparkcnn.core.tensor;

/**
 * Geometry of a 2-D sliding window (convolution or pooling) over channels-last input.
 *
 * <p>Shape letters used by every kernel: N batch, H/W input height/width, C input channels, KH/KW
 * window height/width, SH/SW strides, PT/PL padding before (top/left), OH/OW output height/width.
 * Output pixel (oh, ow) reads input rows oh*SH - PT + i for i in [0, KH) and columns ow*SW - PL + j
 * for j in [0, KW); positions outside the input are padding.
 */
public record Window2D(
    int inH,
    int inW,
    int channels,
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padTop,
    int padLeft,
    int outH,
    int outW) {

  public static Window2D of(
      Shape input, int kernelH, int kernelW, int strideH, int strideW, Padding padding) {
    int h = input.dim(0);
    int w = input.dim(1);
    return new Window2D(
        h,
        w,
        input.dim(2),
        kernelH,
        kernelW,
        strideH,
        strideW,
        padding.padBefore(h, kernelH, strideH),
        padding.padBefore(w, kernelW, strideW),
        padding.outputLength(h, kernelH, strideH),
        padding.outputLength(w, kernelW, strideW));
  }

  public int inputSize() {
    return inH * inW * channels;
  }

  public int outputPixels() {
    return outH * outW;
  }
}
