package org.sparkcnn.core.kernels;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Fast convolution kernels against the reference on awkward sizes: widths 1, 3, 7, 13, 31; channels
 * 1..5; strides 1 and 2; both paddings; batches 1 and 17; filter counts below, at and past the
 * vector tile widths (8/16 lanes, 2 vectors per tile); square and non-square kernels. Tolerance:
 * {@link Parity} (T = products per output).
 */
class ConvParityTest {
  private static final int[] FILTERS = {1, 5, 16, 17, 33, 64};
  private static final int[][] KERNELS = {{3, 3}, {1, 1}, {2, 3}, {3, 1}, {5, 5}};

  @Test
  void forwardBackwardInputAndParamsMatchTheReference() {
    int cases =
        Parity.forEachWindow(
            KERNELS,
            (index, g, n) -> {
              for (Kernels fast : Parity.fast()) {
                check(fast, g, FILTERS[index % FILTERS.length], n, index);
              }
            });
    if (cases < 90) {
      throw new AssertionError("only " + cases + " cases ran");
    }
  }

  @Test
  void seedModelShapesMatchTheReference() {
    for (Kernels fast : Parity.fast()) {
      check(fast, Window2D.of(Shape.of(28, 28, 1), 3, 3, 1, 1, Padding.VALID), 32, 3, 1);
      check(fast, Window2D.of(Shape.of(13, 13, 32), 3, 3, 1, 1, Padding.VALID), 64, 3, 2);
    }
  }

  /**
   * The rgb64 model's convolutions (C = 3: runs of 9 floats, a 6-row and a 3-row weight-gradient
   * tile per run) and runs of 3 (mod 6) floats next to filter counts that are a multiple of two
   * vectors but not of four (32 at 16 lanes, 16 and 48 at 8): the 3x2 tile, with padding and a
   * stride of 2 too.
   */
  @Test
  void rgb64ShapesAndThreeFloatRunsMatchTheReference() {
    for (Kernels fast : Parity.fast()) {
      check(fast, Window2D.of(Shape.of(64, 64, 3), 3, 3, 1, 1, Padding.VALID), 32, 2, 3);
      check(fast, Window2D.of(Shape.of(31, 31, 32), 3, 3, 1, 1, Padding.VALID), 64, 2, 4);
      check(fast, Window2D.of(Shape.of(9, 11, 5), 3, 3, 2, 2, Padding.SAME), 32, 3, 5);
      check(fast, Window2D.of(Shape.of(7, 8, 3), 3, 3, 1, 1, Padding.SAME), 16, 5, 6);
      check(fast, Window2D.of(Shape.of(12, 9, 1), 3, 3, 1, 1, Padding.VALID), 48, 7, 7);
    }
  }

  /**
   * Channel counts whose patch runs (KW * C floats) are multiples of the vector tile's 16 columns
   * and 6 rows, so the Vector API products read and write patches in place instead of taking the
   * plain path: the cases above have C <= 5 and mostly exercise the plain path. Odd sizes leave
   * partial panels and strips; "same" and stride 2 need the padded copy; valid with stride 2 on
   * even sizes leaves input rows no window reads.
   */
  @Test
  void wideChannelsTakeTheInPlacePathsAndMatchTheReference() {
    int index = 0;
    for (int c : new int[] {16, 32}) {
      for (int[] hw : new int[][] {{13, 13}, {8, 7}, {1, 3}, {6, 10}}) {
        for (int stride = 1; stride <= 2; stride++) {
          for (Padding padding : Padding.values()) {
            index++;
            int kw = hw[1] < 3 ? 1 : 3;
            int kh = hw[0] < 3 ? 1 : 3;
            int filters = new int[] {17, 64, 33, 8}[index % 4];
            Window2D g = Window2D.of(Shape.of(hw[0], hw[1], c), kh, kw, stride, stride, padding);
            for (Kernels fast : Parity.fast()) {
              check(fast, g, filters, index % 2 == 0 ? 1 : 17, 100 + index);
            }
          }
        }
      }
    }
  }

  private static void check(Kernels fast, Window2D g, int filters, int n, long seed) {
    ReferenceKernels ref = new ReferenceKernels();
    String what = fast.name() + " conv " + g + " filters=" + filters + " n=" + n;
    int kSize = g.kernelH() * g.kernelW() * g.channels();
    int in = n * g.inputSize();
    int out = n * g.outputPixels() * filters;
    // params = [junk(3) | kernel | bias]: non-zero offsets catch offset mistakes.
    int kOff = 3;
    int bOff = kOff + kSize * filters;
    float[] params = Parity.random(bOff + filters, seed);
    float[] x = Parity.random(in, seed + 1);
    float[] dy = Parity.random(out, seed + 2);
    double[] absParams = Parity.abs(params);
    double[] absKernel = Arrays.copyOfRange(absParams, kOff, bOff);
    double[] absBias = Arrays.copyOfRange(absParams, bOff, bOff + filters);

    // forward, with and without bias
    for (int bias : new int[] {bOff, -1}) {
      float[] yf = new float[out];
      float[] yr = new float[out];
      fast.conv2dForward(g, filters, n, x, params, kOff, bias, Activation.LINEAR, yf);
      ref.conv2dForward(g, filters, n, x, params, kOff, bias, Activation.LINEAR, yr);
      double[] absSum = new double[out];
      ConvReference.forward(
          g, filters, n, Parity.abs(x), absKernel, bias < 0 ? null : absBias, absSum);
      Parity.within(what + " forward bias=" + (bias >= 0), yf, yr, absSum, kSize + 1, out);
      // Fused relu: |relu(a) - relu(b)| <= |a - b|, so the same bound holds.
      fast.conv2dForward(g, filters, n, x, params, kOff, bias, Activation.RELU, yf);
      ref.conv2dForward(g, filters, n, x, params, kOff, bias, Activation.RELU, yr);
      Parity.within(what + " forward+relu bias=" + (bias >= 0), yf, yr, absSum, kSize + 1, out);
    }

    // backwardInput; dx starts dirty to check that it is overwritten
    float[] dxf = Parity.random(in, seed + 3);
    float[] dxr = new float[in];
    fast.conv2dBackwardInput(g, filters, n, dy, params, kOff, dxf);
    ref.conv2dBackwardInput(g, filters, n, dy, params, kOff, dxr);
    double[] absDx = new double[in];
    ConvReference.backwardInput(g, filters, n, Parity.abs(dy), absKernel, absDx);
    Parity.within(
        what + " backwardInput", dxf, dxr, absDx, g.kernelH() * g.kernelW() * filters, in);

    // backwardParams accumulates into a non-zero gradient array
    float[] g0 = Parity.random(params.length, seed + 4);
    float[] gf = g0.clone();
    float[] gr = g0.clone();
    fast.conv2dBackwardParams(g, filters, n, x, dy, gf, kOff, bOff);
    ref.conv2dBackwardParams(g, filters, n, x, dy, gr, kOff, bOff);
    double[] absDk = new double[kSize * filters];
    double[] absDb = new double[filters];
    ConvReference.backwardParams(g, filters, n, Parity.abs(x), Parity.abs(dy), absDk, absDb);
    double[] absG = Parity.accumulatedAbs(g0, kOff, absDk, bOff, absDb);
    // +1 term: the value accumulated into.
    Parity.within(what + " backwardParams", gf, gr, absG, n * g.outputPixels() + 1, params.length);
  }
}
