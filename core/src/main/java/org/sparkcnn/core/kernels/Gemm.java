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
 * MR floats, element (r, p) at {@code q*MR*K + p*MR + r % MR}, so the micro-kernel reads one
 * contiguous stream of A instead of MR rows. The last panel is always allocated whole; its rows
 * past M are never stored to C, so they may hold anything.
 *
 * <p>Packed B: an implementation-defined layout made by {@link #packB} once per kernel call (the
 * weights), then read by every {@link #multiply} of that call.
 */
interface Gemm {
  /** Rows per panel of packed A, and of the register tile. */
  int MR = 6;

  /** A short name for logs, e.g. "vector-256bit-6x2". */
  String name();

  /** Floats {@link #packB} writes for a (K, N) matrix. */
  int packedBSize(int k, int n);

  /**
   * Packs B (K, N) into dst: B(p, j) is {@code b[bOff + p * ldb + j]}, or with
   * {@code transposed} {@code b[bOff + j * ldb + p]} (so W^T is packed straight from W).
   */
  void packB(int k, int n, float[] b, int bOff, int ldb, boolean transposed, float[] dst);

  /**
   * C (M, N) = A (M, K) B (K, N) + bias (N), then max(., 0) if relu; overwrites C. A is packed
   * from {@code a[aOff]} if {@code aPacked}, else row-major with leading dimension lda; B packed
   * by {@link #packB}. bias may be null; it is read from {@code bias[biasOff, biasOff + N)}.
   */
  void multiply(int m, int n, int k, float[] a, int aOff, int lda, boolean aPacked, float[] bp,
      float[] bias, int biasOff, boolean relu, float[] c, int cOff, int ldc);

  /** C (K, N) += A (M, K)^T B (M, N): the weight-gradient product; accumulates into C. */
  void multiplyTransposedAccumulate(int m, int n, int k, float[] a, int aOff, int lda, float[] b,
      int bOff, int ldb, float[] c, int cOff, int ldc);

  /** Index of element (row, p) of a packed A with K columns, from the start of the packing. */
  static int packedIndex(int row, int p, int k) {
    return (row / MR) * MR * k + p * MR + row % MR;
  }

  /** Packs rows [0, m) of A (row-major, lda) into dst in panel order. */
  static void packA(int m, int k, float[] a, int aOff, int lda, float[] dst) {
    for (int i = 0; i < m; i++) {
      int src = aOff + i * lda;
      for (int p = 0, d = packedIndex(i, 0, k); p < k; p++, d += MR) {
        dst[d] = a[src + p];
      }
    }
  }
}
