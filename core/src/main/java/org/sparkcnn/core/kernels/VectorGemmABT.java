package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.kernels.Gemm.MR;
import static org.sparkcnn.core.kernels.VectorGemm.L;
import static org.sparkcnn.core.kernels.VectorGemm.NR;
import static org.sparkcnn.core.kernels.VectorGemm.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * C = A B^T with B stored row-major as (N, K) and read where it lies: {@link
 * Gemm#multiplyTransposedB} for few rows of A, a dense layer's input gradient dY W^T at a task's
 * batch (A = dY, M x O; B = W, I x O). The packed path gathers W^T column by column into a packed
 * copy (a strided pass over the largest operand, 6.4 MB in the rgb64 model) and then reads the copy
 * once per 6-row panel of dY. Here the product is turned around, C^T (N, M) = B A^T: six rows of B
 * are the tile's broadcast rows, read once and in order, and A^T (K x M, small) is packed in strips
 * of two vectors of A's rows. Each tile of C^T (six columns of C by two vectors of its rows) goes
 * through a scratch tile into C: 6 NR scalar stores per 12 K vector FMAs. The tile is {@link
 * VectorGemmABUnpacked}'s; the C2 rules it follows are at the top of {@link VectorGemm}.
 */
final class VectorGemmABT {
  private VectorGemmABT() {}

  static void multiply(
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
    Scratch s = Scratch.get();
    // A^T in strips of NR lanes (rows of A), each K groups of NR floats, zeros past M; a last strip
    // of at most L rows is packed L wide and goes to the 12x1 tile, which wastes no lanes on it.
    float[] at = s.floats(Scratch.SMALL_C, (m + NR - 1) / NR * NR * k);
    float[] t = s.floats(Scratch.TILE, 12 * L);
    int last = bOff + (n - 1) * ldb;
    for (int i0 = 0; i0 < m; i0 += NR) {
      int lanes = Math.min(NR, m - i0);
      int width = lanes <= L ? L : NR;
      for (int ii = 0; ii < width; ii++) {
        for (int p = 0, d = ii; p < k; p++, d += width) {
          at[d] = ii < lanes ? a[aOff + (i0 + ii) * lda + p] : 0f;
        }
      }
      int tileRows = width == L ? 12 : MR;
      for (int r0 = 0; r0 < n; r0 += tileRows) {
        int b0 = bOff + r0 * ldb;
        Arrays.fill(t, 0, 12 * L, 0f);
        if (width == L) {
          tile12x1(k, b, b0, ldb, last, at, t);
        } else {
          // Rows past N repeat row N - 1 (read, never stored).
          VectorGemmABUnpacked.tile6x2(
              k,
              b,
              b0,
              Math.min(b0 + ldb, last),
              Math.min(b0 + 2 * ldb, last),
              Math.min(b0 + 3 * ldb, last),
              Math.min(b0 + 4 * ldb, last),
              Math.min(b0 + 5 * ldb, last),
              at,
              0,
              NR,
              t,
              0,
              NR);
        }
        // t row r = column r0 + r of C, lane ii = row i0 + ii.
        int rows = Math.min(tileRows, n - r0);
        for (int ii = 0; ii < lanes; ii++) {
          int ci = cOff + (i0 + ii) * ldc + r0;
          for (int r = 0; r < rows; r++) {
            c[ci + r] = t[r * width + ii];
          }
        }
      }
    }
  }

  /**
   * t (12 rows of one vector) = rows b0, b0 + ldb, ... of B (k floats each; rows past {@code last}
   * repeat it) times A^T (k vectors from at[0]): 12 accumulators, 1 load and 12 broadcasts per step
   * of K.
   */
  private static void tile12x1(int k, float[] b, int b0, int ldb, int last, float[] at, float[] t) {
    int r1 = Math.min(b0 + ldb, last);
    int r2 = Math.min(b0 + 2 * ldb, last);
    int r3 = Math.min(b0 + 3 * ldb, last);
    int r4 = Math.min(b0 + 4 * ldb, last);
    int r5 = Math.min(b0 + 5 * ldb, last);
    int r6 = Math.min(b0 + 6 * ldb, last);
    int r7 = Math.min(b0 + 7 * ldb, last);
    int r8 = Math.min(b0 + 8 * ldb, last);
    int r9 = Math.min(b0 + 9 * ldb, last);
    int r10 = Math.min(b0 + 10 * ldb, last);
    int r11 = Math.min(b0 + 11 * ldb, last);
    FloatVector c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11;
    c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = c8 = c9 = c10 = c11 = FloatVector.zero(S);
    for (int p = 0, ap = 0; p < k; p++, ap += L) {
      FloatVector av = FloatVector.fromArray(S, at, ap);
      c0 = FloatVector.broadcast(S, b[b0 + p]).fma(av, c0);
      c1 = FloatVector.broadcast(S, b[r1 + p]).fma(av, c1);
      c2 = FloatVector.broadcast(S, b[r2 + p]).fma(av, c2);
      c3 = FloatVector.broadcast(S, b[r3 + p]).fma(av, c3);
      c4 = FloatVector.broadcast(S, b[r4 + p]).fma(av, c4);
      c5 = FloatVector.broadcast(S, b[r5 + p]).fma(av, c5);
      c6 = FloatVector.broadcast(S, b[r6 + p]).fma(av, c6);
      c7 = FloatVector.broadcast(S, b[r7 + p]).fma(av, c7);
      c8 = FloatVector.broadcast(S, b[r8 + p]).fma(av, c8);
      c9 = FloatVector.broadcast(S, b[r9 + p]).fma(av, c9);
      c10 = FloatVector.broadcast(S, b[r10 + p]).fma(av, c10);
      c11 = FloatVector.broadcast(S, b[r11 + p]).fma(av, c11);
    }
    c0.intoArray(t, 0);
    c1.intoArray(t, L);
    c2.intoArray(t, 2 * L);
    c3.intoArray(t, 3 * L);
    c4.intoArray(t, 4 * L);
    c5.intoArray(t, 5 * L);
    c6.intoArray(t, 6 * L);
    c7.intoArray(t, 7 * L);
    c8.intoArray(t, 8 * L);
    c9.intoArray(t, 9 * L);
    c10.intoArray(t, 10 * L);
    c11.intoArray(t, 11 * L);
  }
}
