package org.sparkcnn.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparkcnn.core.tensor.Window2D;

/**
 * The element-wise and pooling loops of {@link VectorKernels} on the Vector API: the same
 * results as {@link FastKernels}' scalar loops, but branch-free. Relu's backward and max
 * pooling's comparisons depend on the data, so scalar code mispredicts about every other
 * branch (~3 ns per element, as much as the convolutions' FLOPs on the seed model); as vector
 * masks they cost nothing. Channels-last layout puts C contiguous values at each pixel, so
 * pooling works on vectors of channels; channels beyond the last full vector go to the scalar
 * loops.
 */
final class VectorOps {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final FloatVector ZERO = FloatVector.zero(S);

  private VectorOps() {}

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
    for (int bound = S.loopBound(count); i < bound; i += L) {
      VectorMask<Float> on = FloatVector.fromArray(S, y, i).compare(VectorOperators.GT, 0f);
      ZERO.blend(FloatVector.fromArray(S, dy, i), on).intoArray(dx, i);
    }
    for (; i < count; i++) {
      dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
  }

  /**
   * Max pooling forward on channels [0, C - C % L): the window's first value, then each strictly
   * greater one in row-major order (the reference's order, so ties and NaN behave alike).
   * Returns the first channel left to the scalar loop.
   */
  static int maxPoolForward(Window2D g, int n, float[] x, float[] y) {
    int c = g.channels();
    int vc = c - c % L;
    for (int b = 0; b < n && vc > 0; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        int h0 = Math.max(oh * g.strideH() - g.padTop(), 0);
        int h1 = Math.min(oh * g.strideH() - g.padTop() + g.kernelH(), g.inH());
        for (int ow = 0; ow < g.outW(); ow++) {
          int w0 = Math.max(ow * g.strideW() - g.padLeft(), 0);
          int w1 = Math.min(ow * g.strideW() - g.padLeft() + g.kernelW(), g.inW());
          int yo = ((b * g.outH() + oh) * g.outW() + ow) * c;
          for (int ch = 0; ch < vc; ch += L) {
            FloatVector best = FloatVector.fromArray(S, x,
                ((b * g.inH() + h0) * g.inW() + w0) * c + ch);
            for (int h = h0; h < h1; h++) {
              for (int w = h == h0 ? w0 + 1 : w0; w < w1; w++) {
                FloatVector v = FloatVector.fromArray(S, x, ((b * g.inH() + h) * g.inW() + w) * c
                    + ch);
                best = best.blend(v, v.compare(VectorOperators.GT, best));
              }
            }
            best.intoArray(y, yo + ch);
          }
        }
      }
    }
    return vc;
  }

  /**
   * Max pooling backward on channels [0, C - C % L), adding into dx (which the caller zeroed):
   * each lane's dy goes to the first position of its window holding the maximum. Returns the
   * first channel left to the scalar loop.
   */
  static int maxPoolBackward(Window2D g, int n, float[] x, float[] dy, float[] dx) {
    int c = g.channels();
    int vc = c - c % L;
    for (int b = 0; b < n && vc > 0; b++) {
      for (int oh = 0; oh < g.outH(); oh++) {
        int h0 = Math.max(oh * g.strideH() - g.padTop(), 0);
        int h1 = Math.min(oh * g.strideH() - g.padTop() + g.kernelH(), g.inH());
        for (int ow = 0; ow < g.outW(); ow++) {
          int w0 = Math.max(ow * g.strideW() - g.padLeft(), 0);
          int w1 = Math.min(ow * g.strideW() - g.padLeft() + g.kernelW(), g.inW());
          int yo = ((b * g.outH() + oh) * g.outW() + ow) * c;
          int first = ((b * g.inH() + h0) * g.inW() + w0) * c;
          for (int ch = 0; ch < vc; ch += L) {
            FloatVector best = FloatVector.fromArray(S, x, first + ch);
            for (int h = h0; h < h1; h++) {
              for (int w = h == h0 ? w0 + 1 : w0; w < w1; w++) {
                FloatVector v = FloatVector.fromArray(S, x, ((b * g.inH() + h) * g.inW() + w) * c
                    + ch);
                best = best.blend(v, v.compare(VectorOperators.GT, best));
              }
            }
            FloatVector grad = FloatVector.fromArray(S, dy, yo + ch);
            // The first position equal to the maximum takes the gradient; a NaN maximum can
            // only come from the first position, which the reference then picks.
            VectorMask<Float> taken = best.test(VectorOperators.IS_NAN);
            for (int h = h0; h < h1; h++) {
              for (int w = w0; w < w1; w++) {
                int at = ((b * g.inH() + h) * g.inW() + w) * c + ch;
                VectorMask<Float> hit = FloatVector.fromArray(S, x, at)
                    .compare(VectorOperators.EQ, best).andNot(taken);
                if (at == first + ch) {
                  hit = hit.or(taken);
                }
                taken = taken.or(hit);
                FloatVector.fromArray(S, dx, at).add(ZERO.blend(grad, hit)).intoArray(dx, at);
              }
            }
          }
        }
      }
    }
    return vc;
  }
}
