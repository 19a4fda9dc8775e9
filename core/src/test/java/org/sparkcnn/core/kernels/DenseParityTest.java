package org.sparkcnn.core.kernels;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.activations.Activation;

/**
 * Fast dense kernels against the reference: inputs and outputs of 1, 3, 7, 13, 31 (below and past
 * the tile widths), 64 and the seed model's 1600, batches 1, 5 and 17 (below, at and past the 6-row
 * tile). Tolerance: {@link Parity} (T = products per output).
 */
class DenseParityTest {
  private static final int[] SIZES = {1, 3, 7, 13, 31, 64};

  @Test
  void forwardBackwardInputAndParamsMatchTheReference() {
    long seed = 0;
    for (Kernels fast : Parity.fast()) {
      for (int in : SIZES) {
        for (int out : SIZES) {
          for (int n : new int[] {1, 17}) {
            check(fast, n, in, out, seed++);
          }
        }
      }
      check(fast, 5, 1600, 64, seed++);
      check(fast, 17, 64, 10, seed++);
    }
  }

  /**
   * The products that read the kernel in place (vector kernels): inputs past and between the
   * forward's 64-row blocks of K (131, 200, 259), outputs with and without a remainder past the
   * two-vector strips (45, 70, 97, 128 at 8 and 16 lanes), batches of one vector or less (the 12x1
   * input-gradient tile: 2, 16), of a two-vector strip (17, 33: one full strip plus 1 row at 16
   * lanes) and where the packed input gradient is chosen again (40 rows, W of 70 x 20); rows of W
   * past a multiple of 6 and 12 (131, 259). Then the rgb64 model's 12,544 x 128 layer at its task
   * batch of 16 rows.
   */
  @Test
  void inPlaceKernelProductsMatchTheReference() {
    int[][] cases = {
      {2, 131, 45}, {16, 200, 128}, {17, 131, 70}, {33, 259, 97}, {40, 70, 20}, {16, 12544, 128}
    };
    long seed = 1000;
    for (Kernels fast : Parity.fast()) {
      for (int[] c : cases) {
        check(fast, c[0], c[1], c[2], seed++);
      }
    }
  }

  private static void check(Kernels fast, int n, int in, int out, long seed) {
    ReferenceKernels ref = new ReferenceKernels();
    String what = fast.name() + " dense n=" + n + " in=" + in + " out=" + out;
    int kOff = 2;
    int bOff = kOff + in * out;
    float[] params = Parity.random(bOff + out, seed);
    float[] x = Parity.random(n * in, seed + 1);
    float[] dy = Parity.random(n * out, seed + 2);
    double[] absK = Arrays.copyOfRange(Parity.abs(params), kOff, bOff);
    double[] absB = Arrays.copyOfRange(Parity.abs(params), bOff, bOff + out);

    float[] yf = new float[n * out];
    float[] yr = new float[n * out];
    fast.denseForward(n, in, out, x, params, kOff, bOff, Activation.LINEAR, yf);
    ref.denseForward(n, in, out, x, params, kOff, bOff, Activation.LINEAR, yr);
    double[] abs = new double[n * out];
    DenseReference.forward(n, in, out, Parity.abs(x), absK, absB, abs);
    Parity.within(what + " forward", yf, yr, abs, in + 1, n * out);
    fast.denseForward(n, in, out, x, params, kOff, bOff, Activation.RELU, yf);
    ref.denseForward(n, in, out, x, params, kOff, bOff, Activation.RELU, yr);
    Parity.within(what + " forward+relu", yf, yr, abs, in + 1, n * out);

    float[] dxf = Parity.random(n * in, seed + 3);
    float[] dxr = new float[n * in];
    fast.denseBackwardInput(n, in, out, dy, params, kOff, dxf);
    ref.denseBackwardInput(n, in, out, dy, params, kOff, dxr);
    abs = new double[n * in];
    DenseReference.backwardInput(n, in, out, Parity.abs(dy), absK, abs);
    Parity.within(what + " backwardInput", dxf, dxr, abs, out, n * in);

    float[] g0 = Parity.random(params.length, seed + 4);
    float[] gf = g0.clone();
    float[] gr = g0.clone();
    fast.denseBackwardParams(n, in, out, x, dy, gf, kOff, bOff);
    ref.denseBackwardParams(n, in, out, x, dy, gr, kOff, bOff);
    double[] dk = new double[in * out];
    double[] db = new double[out];
    DenseReference.backwardParams(n, in, out, Parity.abs(x), Parity.abs(dy), dk, db);
    double[] absG = Parity.accumulatedAbs(g0, kOff, dk, bOff, db);
    Parity.within(what + " backwardParams", gf, gr, absG, n + 1, params.length);
  }
}
