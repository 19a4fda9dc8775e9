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
 *
 * <p>Patches: the convolution products take their im2col matrix implicitly, as a gather from the
 * image ({@link PatchSource}): row i is {@code segs} runs of {@code runLength} floats of x, run s
 * starting at {@code x[rowBase[i] + s * runStride]} (K = segs * runLength). The default methods are
 * the plain versions: they materialize the rows in {@link Scratch#COLUMNS} and call the products
 * above; a fast implementation reads x in place.
 */
interface Gemm {
  /** Rows per panel of packed A, and of the register tile. */
  int MR = 6;

  /** A short name for logs, e.g. "vector-256bit-6x2". */
  String name();

  /** Floats {@link #packB} writes for a (K, N) matrix. */
  int packedBSize(int k, int n);

  /**
   * Packs B (K, N) into dst: B(p, j) is {@code b[bOff + p * ldb + j]}, or with {@code transposed}
   * {@code b[bOff + j * ldb + p]} (so W^T is packed straight from W).
   */
  void packB(int k, int n, float[] b, int bOff, int ldb, boolean transposed, float[] dst);

  /**
   * C (M, N) = A (M, K) B (K, N) + bias (N), then max(., 0) if relu; overwrites C. A is packed from
   * {@code a[aOff]} if {@code aPacked}, else row-major with leading dimension lda; B packed by
   * {@link #packB}. bias may be null; it is read from {@code bias[biasOff, biasOff + N)}.
   */
  void multiply(
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
      int ldc);

  /**
   * C (M, N) = A (M, K) B (K, N) + bias (N), then max(., 0) if relu; overwrites C. A and B are
   * row-major (lda, ldb) and unpacked: a dense layer's forward, B its kernel. The plain version
   * packs B for {@link #multiply}; a fast one may read B where it lies when M is small, where
   * packing (a pass to read B and one to write it) costs more than the product's own reads.
   */
  default void multiplyUnpacked(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int cOff,
      int ldc) {
    float[] bp = Scratch.get().floats(Scratch.PACKED_B, packedBSize(k, n));
    packB(k, n, b, bOff, ldb, false, bp);
    multiply(m, n, k, a, aOff, lda, false, bp, bias, biasOff, relu, c, cOff, ldc);
  }

  /**
   * C (M, N) = A (M, K) B^T, B stored row-major as (N, K) with leading dimension ldb; overwrites C:
   * a dense layer's input gradient dY W^T, B = W (I, O). The plain version packs B^T for {@link
   * #multiply}; a fast one may read B's rows where they lie.
   */
  default void multiplyTransposedB(
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
    float[] bp = Scratch.get().floats(Scratch.PACKED_B, packedBSize(k, n));
    packB(k, n, b, bOff, ldb, true, bp);
    multiply(m, n, k, a, aOff, lda, false, bp, null, 0, false, c, cOff, ldc);
  }

  /** C (K, N) += A (M, K)^T B (M, N): the weight-gradient product; accumulates into C. */
  void multiplyTransposedAccumulate(
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
      int ldc);

  /**
   * C (M, N) = X (M, K) B (K, N) + bias, then max(., 0) if relu, X gathered from patches of x (see
   * the class comment): the convolution forward.
   */
  default void multiplyPatches(
      int m,
      int n,
      int segs,
      int runLength,
      int runStride,
      float[] x,
      int[] rowBase,
      float[] bp,
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int cOff,
      int ldc) {
    int k = segs * runLength;
    float[] col = Scratch.get().floats(Scratch.COLUMNS, (m + MR - 1) / MR * MR * k);
    for (int i = 0; i < m; i++) {
      for (int s = 0, p = 0; s < segs; s++) {
        for (int t = 0, src = rowBase[i] + s * runStride; t < runLength; t++, p++) {
          col[packedIndex(i, p, k)] = x[src + t];
        }
      }
    }
    multiply(m, n, k, col, 0, k, true, bp, bias, biasOff, relu, c, cOff, ldc);
  }

  /**
   * Adds A (M, F) B (F, K) onto the patches of dx, row i onto the patch at rowBase[i] (K = segs *
   * runLength): the convolution's input gradient with col2im fused in. B is packed by {@link
   * #packB}, A row-major with leading dimension lda.
   */
  default void multiplyAddToPatches(
      int m,
      int segs,
      int runLength,
      int runStride,
      int f,
      float[] a,
      int aOff,
      int lda,
      float[] bp,
      float[] dx,
      int[] rowBase) {
    int k = segs * runLength;
    float[] col = Scratch.get().floats(Scratch.COLUMNS, m * k);
    multiply(m, k, f, a, aOff, lda, false, bp, null, 0, false, col, 0, k);
    for (int i = 0; i < m; i++) {
      for (int s = 0, p = i * k; s < segs; s++) {
        for (int t = 0, dst = rowBase[i] + s * runStride; t < runLength; t++, p++) {
          dx[dst + t] += col[p];
        }
      }
    }
  }

  /**
   * C (K, N) += X (M, K)^T B (M, N), X gathered from patches of x: the convolution's weight
   * gradient.
   */
  default void multiplyTransposedPatchesAccumulate(
      int m,
      int n,
      int segs,
      int runLength,
      int runStride,
      float[] x,
      int[] rowBase,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    int k = segs * runLength;
    float[] col = Scratch.get().floats(Scratch.COLUMNS, m * k);
    for (int i = 0; i < m; i++) {
      for (int s = 0, p = i * k; s < segs; s++) {
        System.arraycopy(x, rowBase[i] + s * runStride, col, p + s * runLength, runLength);
      }
    }
    multiplyTransposedAccumulate(m, n, k, col, 0, k, b, bOff, ldb, c, cOff, ldc);
  }

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
