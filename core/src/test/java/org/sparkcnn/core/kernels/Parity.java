package org.sparkcnn.core.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Shared pieces of the fast-vs-reference parity tests: the implementations under test, random
 * inputs, and the error bound.
 *
 * <p>The bound. The reference computes each output in double and rounds once, so it is within u|s|
 * of the exact sum s (u = 2^-24, float's unit roundoff). A fast kernel sums the same T products in
 * float, in some order, with or without FMA; the classical bound for any summation order (Higham,
 * Accuracy and Stability of Numerical Algorithms, 3.1) is |fl(s) - s| <= gamma_T * sum|terms|,
 * gamma_T = T u / (1 - T u). Together:
 *
 * <pre>|fast - reference| <= (T + 2) u * sum_i |a_i b_i|</pre>
 *
 * with the sum of absolute terms computed exactly by running the double-precision reference on |a|
 * and |b|. This is a worst-case bound, not a loose guess: it scales with the size of the problem
 * (sqrt(T) u is the typical error, T u the worst) and with the cancellation in the sum, and a wrong
 * index or a missing term exceeds it by orders of magnitude.
 */
final class Parity {
  static final double U = Math.scalb(1.0, -24);

  private Parity() {}

  /** The fast implementations, each compared with {@link ReferenceKernels}. */
  static List<Kernels> fast() {
    return KernelSelector.vectorApiAvailable()
        ? List.of(new ScalarKernels(), new VectorKernels())
        : List.of(new ScalarKernels());
  }

  static float[] random(int count, long seed) {
    Random r = new Random(seed);
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = (float) (r.nextGaussian());
    }
    return v;
  }

  /** One case of {@link #forEachWindow}: its index (also a seed), the window and the batch. */
  interface WindowCase {
    void run(int index, Window2D g, int n);
  }

  private static final int[] WIDTHS = {1, 3, 7, 13, 31};

  /**
   * The awkward windows the parity tests sweep: widths and heights from {1, 3, 7, 13, 31}, 1 to 5
   * channels, strides 1 and 2, both paddings, window sizes cycling through {@code sizes} and
   * batches of 1 or 17; a "valid" window larger than its input is skipped. Returns how many ran.
   */
  static int forEachWindow(int[][] sizes, WindowCase run) {
    int cases = 0;
    int index = 0;
    for (int w : WIDTHS) {
      for (int c = 1; c <= 5; c++) {
        for (int stride = 1; stride <= 2; stride++) {
          for (Padding padding : Padding.values()) {
            index++;
            int h = WIDTHS[(index + c) % WIDTHS.length];
            int[] size = sizes[index % sizes.length];
            int n = index % 2 == 0 ? 1 : 17;
            if (padding == Padding.VALID && (h < size[0] || w < size[1])) {
              continue;
            }
            run.run(
                index,
                Window2D.of(Shape.of(h, w, c), size[0], size[1], stride, stride, padding),
                n);
            cases++;
          }
        }
      }
    }
    return cases;
  }

  static double[] abs(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = Math.abs(v[i]);
    }
    return d;
  }

  /**
   * Checks |fast[i] - ref[i]| <= (terms + 2) u absSum[i] for i in [0, count); absSum holds the sum
   * of absolute terms of each output (including any value accumulated into).
   */
  /**
   * The magnitude bound of a gradient accumulated into {@code g0}: |g0| plus the kernel's and the
   * bias's absolute-value gradients (from the reference on |x| and |dy|) at their offsets.
   */
  static double[] accumulatedAbs(
      float[] g0, int kernelOffset, double[] absKernel, int biasOffset, double[] absBias) {
    double[] bound = abs(g0);
    for (int i = 0; i < absKernel.length; i++) {
      bound[kernelOffset + i] += absKernel[i];
    }
    for (int i = 0; i < absBias.length; i++) {
      bound[biasOffset + i] += absBias[i];
    }
    return bound;
  }

  static void within(
      String what, float[] fast, float[] ref, double[] absSum, int terms, int count) {
    for (int i = 0; i < count; i++) {
      double diff = Math.abs((double) fast[i] - ref[i]);
      double bound = (terms + 2) * U * absSum[i];
      if (!(diff <= bound)) {
        fail(
            String.format(
                "%s: output %d of %d differs: fast %.9g, reference %.9g, |diff| %.3g "
                    + "> bound %.3g = (%d terms + 2) * 2^-24 * sum|terms| %.4g",
                what, i, count, fast[i], ref[i], diff, bound, terms, absSum[i]));
      }
    }
  }

  /** Exact equality, for kernels that only select or copy values (max pooling, relu). */
  static void exact(String what, float[] fast, float[] ref, int count) {
    for (int i = 0; i < count; i++) {
      if (Float.floatToIntBits(fast[i]) != Float.floatToIntBits(ref[i])) {
        fail(
            String.format(
                "%s: output %d of %d differs: fast %.9g, reference %.9g",
                what, i, count, fast[i], ref[i]));
      }
    }
  }
}
