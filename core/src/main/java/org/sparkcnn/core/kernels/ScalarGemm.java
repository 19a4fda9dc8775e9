package org.sparkcnn.core.kernels;

import java.util.Arrays;

/**
 * {@link Gemm} in plain Java: each row of C is built by saxpy sweeps over contiguous rows of B,
 * four rows of B per sweep, the loop shape HotSpot's superword pass vectorizes by itself. The
 * path used when the Vector API module is absent.
 */
final class ScalarGemm implements Gemm {
  @Override
  public String name() {
    return "scalar";
  }

  /** Packed B is B itself, row-major (K, N): the saxpy sweeps read its rows contiguously. */
  @Override
  public int packedBSize(int k, int n) {
    return k * n;
  }

  @Override
  public void packB(int k, int n, float[] b, int bOff, int ldb, boolean transposed,
      float[] dst) {
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        dst[p * n + j] = transposed ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
      }
    }
  }

  @Override
  public void multiply(int m, int n, int k, float[] a, int aOff, int lda, boolean aPacked,
      float[] bp, float[] bias, int biasOff, boolean relu, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int ai = aPacked ? aOff + Gemm.packedIndex(i, 0, k) : aOff + i * lda;
      row(n, k, a, ai, aPacked ? MR : 1, bp, 0, n, bias, biasOff, relu, c, cOff + i * ldc);
    }
  }

  /** C row = sum_p A(p) B[p, :] (+ bias, relu), A(p) = a[ai + p * step]. */
  private static void row(int n, int k, float[] a, int ai, int step, float[] b, int bOff, int ldb,
      float[] bias, int biasOff, boolean relu, float[] c, int ci) {
    if (bias == null) {
      Arrays.fill(c, ci, ci + n, 0f);
    } else {
      System.arraycopy(bias, biasOff, c, ci, n);
    }
    int p = 0;
    for (; p + 4 <= k; p += 4) {
      float a0 = a[ai + p * step];
      float a1 = a[ai + (p + 1) * step];
      float a2 = a[ai + (p + 2) * step];
      float a3 = a[ai + (p + 3) * step];
      int b0 = bOff + p * ldb;
      int b1 = b0 + ldb;
      int b2 = b1 + ldb;
      int b3 = b2 + ldb;
      for (int j = 0; j < n; j++) {
        c[ci + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
      }
    }
    for (; p < k; p++) {
      float ap = a[ai + p * step];
      int bp = bOff + p * ldb;
      for (int j = 0; j < n; j++) {
        c[ci + j] += ap * b[bp + j];
      }
    }
    if (relu) {
      for (int j = 0; j < n; j++) {
        c[ci + j] = Math.max(c[ci + j], 0f);
      }
    }
  }

  @Override
  public void multiplyTransposedAccumulate(int m, int n, int k, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
    // C[p, :] += sum_i A[i, p] B[i, :], four rows i per sweep.
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      int a0 = aOff + i * lda;
      int b0 = bOff + i * ldb;
      for (int p = 0; p < k; p++) {
        float x0 = a[a0 + p];
        float x1 = a[a0 + lda + p];
        float x2 = a[a0 + 2 * lda + p];
        float x3 = a[a0 + 3 * lda + p];
        int cp = cOff + p * ldc;
        for (int j = 0; j < n; j++) {
          c[cp + j] += x0 * b[b0 + j] + x1 * b[b0 + ldb + j] + x2 * b[b0 + 2 * ldb + j]
              + x3 * b[b0 + 3 * ldb + j];
        }
      }
    }
    for (; i < m; i++) {
      int ai = aOff + i * lda;
      int bi = bOff + i * ldb;
      for (int p = 0; p < k; p++) {
        float x = a[ai + p];
        int cp = cOff + p * ldc;
        for (int j = 0; j < n; j++) {
          c[cp + j] += x * b[bi + j];
        }
      }
    }
  }
}
