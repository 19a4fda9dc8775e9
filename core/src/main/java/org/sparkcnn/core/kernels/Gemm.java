package org.sparkcnn.core.kernels;

/**
 * Row-major single-precision matrix products, the inner engine of the fast kernels. Matrices are
 * slices of flat arrays: element (r, c) of a matrix with leading dimension ld starting at off is
 * {@code a[off + r * ld + c]}. Implementations allocate nothing per call (their scratch is
 * per-thread and grows once) and are thread-safe.
 *
 * <p>Shape letters: M rows of the result, N its columns, K the summed dimension.
 *
 * <p>Packed A: rows in panels of {@link #MR}; panel q holds rows [q*MR, q*MR + MR) as K groups of
 * MR floats, element (r, p) at {@code q*MR*K + p*MR + r % MR}. The micro-kernel then reads one
 * contiguous stream of A instead of MR rows. The last panel of an M that is not a multiple of MR
 * is read only for its M % MR real rows.
 */
interface Gemm {
  /** Rows per panel of packed A, and of the register tile. */
  int MR = 6;

  /** A short name for logs, e.g. "vector-256bit-6x2". */
  String name();

  /**
   * C (M, N) = A (M, K) B (K, N) + bias (N), then max(., 0) if relu; overwrites C. bias may be
   * null (no bias); it is read from {@code bias[biasOff, biasOff + N)}.
   */
  void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float[] bias, int biasOff, boolean relu, float[] c, int cOff, int ldc);

  /** As {@link #multiply}, with A already packed from {@code ap[apOff]} (see the class doc). */
  void multiplyPacked(int m, int n, int k, float[] ap, int apOff, float[] b, int bOff, int ldb,
      float[] bias, int biasOff, boolean relu, float[] c, int cOff, int ldc);

  /** C (K, N) += A (M, K)^T B (M, N): the weight-gradient product; accumulates into C. */
  void multiplyTransposedAccumulate(int m, int n, int k, float[] a, int aOff, int lda, float[] b,
      int bOff, int ldb, float[] c, int cOff, int ldc);

  /** Index of element (row, p) of a packed A with K columns, from the start of the packing. */
  static int packedIndex(int row, int p, int k) {
    return (row / MR) * MR * k + p * MR + row % MR;
  }

  /** Packs MR rows of A (row-major, lda) into dst[0, MR*K) in panel order. */
  static void packPanel(int k, float[] a, int aOff, int lda, float[] dst) {
    for (int r = 0; r < MR; r++) {
      int src = aOff + r * lda;
      for (int p = 0, d = r; p < k; p++, d += MR) {
        dst[d] = a[src + p];
      }
    }
  }
}
