package org.sparkcnn.core.kernels;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Fast pooling against the reference on awkward sizes (widths 1, 3, 7, 13, 31; channels 1..5; pools
 * 2x2, 3x3, 1x2; strides 1 and 2, so windows overlap or not; both paddings; batches 1 and 17). Max
 * pooling forward only selects values, so it must match exactly, ties included (inputs drawn from
 * {-1, 0, 1} make ties common); max backward sums the gradients routed to one input and average
 * pooling sums a window, so they get {@link Parity}'s bound.
 */
class PoolParityTest {
  private static final int[][] POOLS = {{2, 2}, {3, 3}, {1, 2}};

  @Test
  void maxAndAveragePoolingMatchTheReference() {
    Parity.forEachWindow(
        POOLS,
        (index, g, n) -> {
          for (Kernels fast : Parity.fast()) {
            check(fast, g, n, index, index % 3 == 0);
          }
        });
  }

  /**
   * Disjoint 2x2 windows, where the vector kernels zero only what no window covers because they
   * store every element they cover (dx starts dirty in {@link #check}): sizes that tile exactly,
   * odd heights and widths (rgb64's pool2: 29 x 29 x 64) and a channel remainder, which zeroes all.
   */
  @Test
  void exactlyTiledInputsOverwriteAllOfDx() {
    int[][] shapes = {
      {26, 26, 32},
      {8, 6, 16},
      {8, 6, 17},
      {9, 6, 16},
      {2, 2, 8},
      {29, 29, 64},
      {9, 7, 16},
      {6, 3, 16}
    };
    int index = 0;
    for (int[] s : shapes) {
      Window2D g = Window2D.of(Shape.of(s[0], s[1], s[2]), 2, 2, 2, 2, Padding.VALID);
      for (Kernels fast : Parity.fast()) {
        check(fast, g, ++index % 2 == 0 ? 1 : 3, 500 + index, index % 3 == 0);
      }
    }
  }

  /** Channels past the vector width (8 or 16 lanes), with and without a scalar remainder. */
  @Test
  void wideChannelsMatchTheReference() {
    int index = 0;
    for (int c : new int[] {8, 13, 16, 17, 32, 37}) {
      for (int[] pool : POOLS) {
        for (int stride = 1; stride <= 2; stride++) {
          for (Padding padding : Padding.values()) {
            index++;
            Window2D g = Window2D.of(Shape.of(7, 13, c), pool[0], pool[1], stride, stride, padding);
            for (Kernels fast : Parity.fast()) {
              check(fast, g, index % 2 == 0 ? 1 : 3, index, index % 3 == 0);
            }
          }
        }
      }
    }
  }

  private static void check(Kernels fast, Window2D g, int n, long seed, boolean ties) {
    ReferenceKernels ref = new ReferenceKernels();
    String what = fast.name() + " pool " + g + " n=" + n + (ties ? " ties" : "");
    int in = n * g.inputSize();
    int out = n * g.outputPixels() * g.channels();
    float[] x = ties ? ternary(in, seed) : Parity.random(in, seed);
    float[] dy = Parity.random(out, seed + 1);
    int window = g.kernelH() * g.kernelW();

    float[] yf = new float[out];
    float[] yr = new float[out];
    fast.maxPool2dForward(g, n, x, yf);
    ref.maxPool2dForward(g, n, x, yr);
    Parity.exact(what + " max forward", yf, yr, out);

    float[] dxf = Parity.random(in, seed + 2);
    float[] dxr = new float[in];
    fast.maxPool2dBackward(g, n, x, dy, dxf);
    ref.maxPool2dBackward(g, n, x, dy, dxr);
    double[] abs = new double[in];
    PoolReference.maxBackward(g, n, toDouble(x), Parity.abs(dy), abs);
    Parity.within(what + " max backward", dxf, dxr, abs, window, in);

    // Through a relu: x as a relu's output (half zeros, ties at zero); the reference is the
    // interface's default, pool backward then relu backward.
    float[] xr = x.clone();
    for (int i = 0; i < in; i++) {
      xr[i] = Math.max(xr[i], 0f);
    }
    dxf = Parity.random(in, seed + 4);
    fast.maxPool2dBackwardRelu(g, n, xr, dy, dxf);
    ref.maxPool2dBackwardRelu(g, n, xr, dy, dxr);
    // Overlapping windows add in a different order: the bound of plain max backward.
    Parity.within(what + " max backward through relu", dxf, dxr, abs, window, in);

    fast.averagePool2dForward(g, n, x, yf);
    ref.averagePool2dForward(g, n, x, yr);
    abs = new double[out];
    PoolReference.averageForward(g, n, Parity.abs(x), abs);
    // + 2: the rounded 1/count and the product by it.
    Parity.within(what + " average forward", yf, yr, abs, window + 2, out);

    dxf = Parity.random(in, seed + 3);
    fast.averagePool2dBackward(g, n, dy, dxf);
    ref.averagePool2dBackward(g, n, dy, dxr);
    abs = new double[in];
    PoolReference.averageBackward(g, n, Parity.abs(dy), abs);
    Parity.within(what + " average backward", dxf, dxr, abs, window + 2, in);
  }

  private static float[] ternary(int count, long seed) {
    Random r = new Random(seed);
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = r.nextInt(3) - 1;
    }
    return v;
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
