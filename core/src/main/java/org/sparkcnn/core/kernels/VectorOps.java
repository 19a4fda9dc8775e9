package org.sparkcnn.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and pooling loops of {@link VectorKernels} on the Vector API: the same results
 * as {@link FastKernels}' scalar loops, but branch-free. Relu's backward and max pooling's
 * comparisons depend on the data, so scalar code mispredicts about every other branch (~3 ns per
 * element, as much as the convolutions' FLOPs on the seed model); as vector masks they cost
 * nothing. Channels-last layout puts C contiguous values at each pixel, so pooling works on vectors
 * of channels; channels beyond the last full vector go to the scalar loops.
 */
final class VectorOps {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final FloatVector ZERO = FloatVector.zero(S);

  private VectorOps() {}

  /** Floats per vector. */
  static int lanes() {
    return L;
  }

  /** y = max(x, 0) over [0, count). */
  static void reluForward(int count, float[] x, float[] y) {
    int i = 0;
    for (int bound = S.loopBound(count); i < bound; i += L) {
      FloatVector.fromArray(S, x, i).max(0f).intoArray(y, i);
    }
    for (; i < count; i++) {
      y[i] = Math.max(x[i], 0f);
    }
  }

  /** dx = y > 0 ? dy : 0 over [0, count). */
  static void reluBackward(int count, float[] y, float[] dy, float[] dx) {
    int i = 0;
    FloatVector zero = FloatVector.zero(S);
    for (int bound = S.loopBound(count); i < bound; i += L) {
      VectorMask<Float> on = FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f);
      zero.blend(FloatVector.fromArray(S, dy, i), on).intoArray(dx, i);
    }
    for (; i < count; i++) {
      dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
  }

  /**
   * Max pooling forward of one 2x2 window lying wholly inside the input, channels [0, C - C % L):
   * the first value, then each strictly greater one in row-major order (the reference's order, so
   * ties and NaN behave alike). x0 is the offset of the window's top-left pixel, rowStride the
   * offset of the pixel below it. Straight-line code on purpose: a vector carried through nested
   * loops is boxed (the C2 rules at the top of {@link VectorGemm}).
   *
   * @return the first channel left to the scalar loop
   */
  static int maxPool2x2Forward(int c, float[] x, int x0, int rowStride, float[] y, int yo) {
    int vc = c - c % L;
    for (int ch = 0; ch < vc; ch += L) {
      FloatVector v0 = FloatVector.fromArray(S, x, x0 + ch);
      FloatVector v1 = FloatVector.fromArray(S, x, x0 + c + ch);
      FloatVector v2 = FloatVector.fromArray(S, x, x0 + rowStride + ch);
      FloatVector v3 = FloatVector.fromArray(S, x, x0 + rowStride + c + ch);
      FloatVector best = v0.blend(v1, v1.compare(VectorOperators.GT, v0));
      best = best.blend(v2, v2.compare(VectorOperators.GT, best));
      best = best.blend(v3, v3.compare(VectorOperators.GT, best));
      best.intoArray(y, yo + ch);
    }
    return vc;
  }

  /**
   * Max pooling backward of one 2x2 window wholly inside the input, channels [0, C - C % L): each
   * lane's dy goes to the first position holding the window's maximum (a NaN maximum can only come
   * from the first position, which the reference then picks). With {@code overlap} false the
   * positions belong to no other window, so dx is stored; otherwise added to. With {@code relu} (x
   * is a relu's output) lanes whose maximum is not positive get no gradient.
   *
   * @return the first channel left to the scalar loop
   */
  static int maxPool2x2Backward(
      int c,
      float[] x,
      int x0,
      int rowStride,
      float[] dy,
      int yo,
      float[] dx,
      boolean overlap,
      boolean relu) {
    int vc = c - c % L;
    // All lanes pass without relu: a mask made once instead of "if (relu)" in the loop
    // (branch-free;
    // the branch re-measured as free too, rule 2 at the top of VectorGemm).
    VectorMask<Float> unmasked = S.maskAll(!relu);
    int a0 = x0;
    int a1 = x0 + c;
    int a2 = x0 + rowStride;
    int a3 = a2 + c;
    for (int ch = 0; ch < vc; ch += L) {
      FloatVector v0 = FloatVector.fromArray(S, x, a0 + ch);
      FloatVector v1 = FloatVector.fromArray(S, x, a1 + ch);
      FloatVector v2 = FloatVector.fromArray(S, x, a2 + ch);
      FloatVector v3 = FloatVector.fromArray(S, x, a3 + ch);
      FloatVector best = v0.blend(v1, v1.compare(VectorOperators.GT, v0));
      best = best.blend(v2, v2.compare(VectorOperators.GT, best));
      best = best.blend(v3, v3.compare(VectorOperators.GT, best));
      FloatVector grad = FloatVector.fromArray(S, dy, yo + ch);
      grad = ZERO.blend(grad, best.compare(VectorOperators.GT, 0f).or(unmasked));
      VectorMask<Float> m0 =
          v0.compare(VectorOperators.EQ, best).or(best.test(VectorOperators.IS_NAN));
      VectorMask<Float> m1 = v1.compare(VectorOperators.EQ, best).and(m0.not());
      VectorMask<Float> taken = m0.or(m1);
      VectorMask<Float> m2 = v2.compare(VectorOperators.EQ, best).and(taken.not());
      VectorMask<Float> m3 = taken.or(m2).not();
      FloatVector g0 = ZERO.blend(grad, m0);
      FloatVector g1 = ZERO.blend(grad, m1);
      FloatVector g2 = ZERO.blend(grad, m2);
      FloatVector g3 = ZERO.blend(grad, m3);
      if (overlap) {
        g0 = g0.add(FloatVector.fromArray(S, dx, a0 + ch));
        g1 = g1.add(FloatVector.fromArray(S, dx, a1 + ch));
        g2 = g2.add(FloatVector.fromArray(S, dx, a2 + ch));
        g3 = g3.add(FloatVector.fromArray(S, dx, a3 + ch));
      }
      g0.intoArray(dx, a0 + ch);
      g1.intoArray(dx, a1 + ch);
      g2.intoArray(dx, a2 + ch);
      g3.intoArray(dx, a3 + ch);
    }
    return vc;
  }

  /**
   * out[off + j] += sum over rows of a[aOff + row * cols + j] when cols is a multiple of the vector
   * length (conv and dense bias gradients: 32, 64 filters); false, doing nothing, otherwise. Blocks
   * of 64 rows are summed per vector of columns in one loop (two accumulators), then added to out:
   * a vector kept across the loop over blocks would be boxed (rule 1 at the top of {@link
   * VectorGemm}).
   */
  static boolean columnSums(int rows, int cols, float[] a, int aOff, float[] out, int off) {
    if (cols % L != 0) {
      return false;
    }
    for (int r0 = 0; r0 < rows; r0 += 64) {
      int r1 = Math.min(rows, r0 + 64);
      for (int j = 0; j < cols; j += L) {
        addColumnBlock(a, aOff + j, cols, r0, r1, out, off + j);
      }
    }
    return true;
  }

  /** out[at, at + L) += the vectors at a[a0 + r * cols] for rows r in [r0, r1). */
  private static void addColumnBlock(
      float[] a, int a0, int cols, int r0, int r1, float[] out, int at) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    int r = r0;
    for (; r + 2 <= r1; r += 2) {
      s0 = s0.add(FloatVector.fromArray(S, a, a0 + r * cols));
      s1 = s1.add(FloatVector.fromArray(S, a, a0 + (r + 1) * cols));
    }
    if (r < r1) {
      s0 = s0.add(FloatVector.fromArray(S, a, a0 + r * cols));
    }
    s0.add(s1).add(FloatVector.fromArray(S, out, at)).intoArray(out, at);
  }
}
