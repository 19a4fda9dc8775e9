package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.kernels.Gemm.MR;
import static org.sparkcnn.core.kernels.VectorGemm.L;
import static org.sparkcnn.core.kernels.VectorGemm.NR;
import static org.sparkcnn.core.kernels.VectorGemm.S;

import jdk.incubator.vector.FloatVector;

/**
 * C = A B (+ bias, relu) with B packed: {@link Gemm#multiply}, for the dense input gradient where
 * the packed W^T beats reading W in place (see {@link VectorGemm#multiplyTransposedB}), the last N
 * % NR columns of {@link VectorGemmABUnpacked}, and the plain im2col fallbacks. The 6x2 tile of
 * {@link VectorGemm} over packed panels of A; the C2 rules it follows are at the top of {@link
 * VectorGemm}.
 */
final class VectorGemmAB {
  private VectorGemmAB() {}

  /**
   * Strips of B outer, panels of A inner: the strip (K x NR floats) stays in L1 while the panels
   * stream from L2. Tiles cut by the edge of C are computed whole into a scratch tile and copied.
   */
  static void multiply(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      boolean aPacked,
      float[] bp,
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int cOff,
      int ldc) {
    float[] ap = a;
    int apOff = aOff;
    if (!aPacked) {
      ap = Scratch.get().floats(Scratch.GEMM_PANEL, (m + MR - 1) / MR * MR * k);
      apOff = 0;
      Gemm.packA(m, k, a, aOff, lda, ap);
    }
    for (int j0 = 0, b0 = 0; j0 < n; j0 += NR, b0 += k * NR) {
      int cols = Math.min(NR, n - j0);
      for (int i = 0; i < m; i += MR) {
        int rows = Math.min(MR, m - i);
        if (rows == MR && cols == NR) {
          tile6x2(
              k, ap, apOff + i * k, bp, b0, bias, biasOff + j0, relu, c, cOff + i * ldc + j0, ldc);
        } else {
          float[] t = Scratch.get().floats(Scratch.TILE, MR * NR);
          tile6x2(k, ap, apOff + i * k, bp, b0, null, 0, false, t, 0, NR);
          for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
              float v = t[r * NR + j] + (bias == null ? 0f : bias[biasOff + j0 + j]);
              c[cOff + (i + r) * ldc + j0 + j] = relu ? Math.max(v, 0f) : v;
            }
          }
        }
      }
    }
  }

  private static void tile6x2(
      int k,
      float[] ap,
      int a0,
      float[] b,
      int b0,
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int c0,
      int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (bias == null) {
      c00 = c01 = FloatVector.zero(S);
    } else {
      c00 = FloatVector.fromArray(S, bias, biasOff);
      c01 = FloatVector.fromArray(S, bias, biasOff + L);
    }
    c10 = c20 = c30 = c40 = c50 = c00;
    c11 = c21 = c31 = c41 = c51 = c01;
    for (int p = 0, bp = b0, a = a0; p < k; p++, bp += NR, a += MR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector x = FloatVector.broadcast(S, ap[a]);
      c00 = x.fma(b0v, c00);
      c01 = x.fma(b1v, c01);
      x = FloatVector.broadcast(S, ap[a + 1]);
      c10 = x.fma(b0v, c10);
      c11 = x.fma(b1v, c11);
      x = FloatVector.broadcast(S, ap[a + 2]);
      c20 = x.fma(b0v, c20);
      c21 = x.fma(b1v, c21);
      x = FloatVector.broadcast(S, ap[a + 3]);
      c30 = x.fma(b0v, c30);
      c31 = x.fma(b1v, c31);
      x = FloatVector.broadcast(S, ap[a + 4]);
      c40 = x.fma(b0v, c40);
      c41 = x.fma(b1v, c41);
      x = FloatVector.broadcast(S, ap[a + 5]);
      c50 = x.fma(b0v, c50);
      c51 = x.fma(b1v, c51);
    }
    if (relu) {
      c00 = c00.max(0f);
      c01 = c01.max(0f);
      c10 = c10.max(0f);
      c11 = c11.max(0f);
      c20 = c20.max(0f);
      c21 = c21.max(0f);
      c30 = c30.max(0f);
      c31 = c31.max(0f);
      c40 = c40.max(0f);
      c41 = c41.max(0f);
      c50 = c50.max(0f);
      c51 = c51.max(0f);
    }
    c00.intoArray(c, c0);
    c01.intoArray(c, c0 + L);
    c10.intoArray(c, c0 + ldc);
    c11.intoArray(c, c0 + ldc + L);
    c20.intoArray(c, c0 + 2 * ldc);
    c21.intoArray(c, c0 + 2 * ldc + L);
    c30.intoArray(c, c0 + 3 * ldc);
    c31.intoArray(c, c0 + 3 * ldc + L);
    c40.intoArray(c, c0 + 4 * ldc);
    c41.intoArray(c, c0 + 4 * ldc + L);
    c50.intoArray(c, c0 + 5 * ldc);
    c51.intoArray(c, c0 + 5 * ldc + L);
  }
}
