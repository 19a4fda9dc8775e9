package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.kernels.Gemm.MR;
import static org.sparkcnn.core.kernels.VectorGemm.L;
import static org.sparkcnn.core.kernels.VectorGemm.S;

import jdk.incubator.vector.FloatVector;

/**
 * C += A^T B: the dense layers' weight gradient of {@link Gemm#multiplyTransposedAccumulate}, and
 * the fallback of the patch weight gradient over a materialized im2col block. Tiles of 6 (and 3)
 * rows of C by two vectors, summed over all rows of A and B. The C2 rules it follows are at the top
 * of {@link VectorGemm}.
 */
final class VectorGemmATB {
  private VectorGemmATB() {}

  static void multiplyTransposedAccumulate(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    // C[p, j] += sum_i A[i, p] B[i, j]: tiles of 6 rows p x 2 vectors j, summed over all i.
    int p = 0;
    for (; p + MR <= k; p += MR) {
      int j = 0;
      for (; j + 2 * L <= n; j += 2 * L) {
        tileT6x2(m, a, aOff + p, lda, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
      }
      for (int r = 0; r < MR; r++) {
        rowTailT(j, n, m, a, aOff + p + r, lda, b, bOff, ldb, c, cOff + (p + r) * ldc);
      }
    }
    // conv1's K = 9 leaves 3 rows: a 3-row tile keeps them off the latency-bound 1-row path.
    if (p + 3 <= k) {
      int j = 0;
      for (; j + 2 * L <= n; j += 2 * L) {
        tileT3x2(m, a, aOff + p, lda, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
      }
      for (int r = 0; r < 3; r++) {
        rowTailT(j, n, m, a, aOff + p + r, lda, b, bOff, ldb, c, cOff + (p + r) * ldc);
      }
      p += 3;
    }
    for (; p < k; p++) {
      rowTailT(0, n, m, a, aOff + p, lda, b, bOff, ldb, c, cOff + p * ldc);
    }
  }

  private static void tileT3x2(
      int m, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c, int c0, int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21;
    c00 = c01 = c10 = c11 = c20 = c21 = FloatVector.zero(S);
    for (int i = 0, ai = a0, bi = b0; i < m; i++, ai += lda, bi += ldb) {
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0v, c00);
      c01 = x.fma(b1v, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0v, c10);
      c11 = x.fma(b1v, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0v, c20);
      c21 = x.fma(b1v, c21);
    }
    c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
    c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
    c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
    c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
    c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
    c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
  }

  private static void tileT6x2(
      int m, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c, int c0, int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
    for (int i = 0, ai = a0, bi = b0; i < m; i++, ai += lda, bi += ldb) {
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0v, c00);
      c01 = x.fma(b1v, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0v, c10);
      c11 = x.fma(b1v, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0v, c20);
      c21 = x.fma(b1v, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0v, c30);
      c31 = x.fma(b1v, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0v, c40);
      c41 = x.fma(b1v, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0v, c50);
      c51 = x.fma(b1v, c51);
    }
    c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
    c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
    c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
    c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
    c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
    c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
    c30.add(FloatVector.fromArray(S, c, c0 + 3 * ldc)).intoArray(c, c0 + 3 * ldc);
    c31.add(FloatVector.fromArray(S, c, c0 + 3 * ldc + L)).intoArray(c, c0 + 3 * ldc + L);
    c40.add(FloatVector.fromArray(S, c, c0 + 4 * ldc)).intoArray(c, c0 + 4 * ldc);
    c41.add(FloatVector.fromArray(S, c, c0 + 4 * ldc + L)).intoArray(c, c0 + 4 * ldc + L);
    c50.add(FloatVector.fromArray(S, c, c0 + 5 * ldc)).intoArray(c, c0 + 5 * ldc);
    c51.add(FloatVector.fromArray(S, c, c0 + 5 * ldc + L)).intoArray(c, c0 + 5 * ldc + L);
  }

  /** Row p of C from column j: C[p, j..] += sum_i A[i, p] B[i, j..]. */
  private static void rowTailT(
      int j,
      int n,
      int m,
      float[] a,
      int ap,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cp) {
    for (; j + L <= n; j += L) {
      FloatVector s0 = FloatVector.zero(S);
      FloatVector s1 = FloatVector.zero(S);
      int i = 0;
      for (; i + 2 <= m; i += 2) {
        s0 =
            FloatVector.broadcast(S, a[ap + i * lda])
                .fma(FloatVector.fromArray(S, b, bOff + i * ldb + j), s0);
        s1 =
            FloatVector.broadcast(S, a[ap + (i + 1) * lda])
                .fma(FloatVector.fromArray(S, b, bOff + (i + 1) * ldb + j), s1);
      }
      if (i < m) {
        s0 =
            FloatVector.broadcast(S, a[ap + i * lda])
                .fma(FloatVector.fromArray(S, b, bOff + i * ldb + j), s0);
      }
      s0.add(s1).add(FloatVector.fromArray(S, c, cp + j)).intoArray(c, cp + j);
    }
    for (; j < n; j++) {
      float s = 0f;
      for (int i = 0; i < m; i++) {
        s = Math.fma(a[ap + i * lda], b[bOff + i * ldb + j], s);
      }
      c[cp + j] += s;
    }
  }
}
