package org.sparkcnn.core.kernels;

import java.util.Arrays;

/**
 * {@link Gemm} in plain Java: register blocks of scalar FMAs for the product, saxpy sweeps for the
 * edges and the weight gradient. The path used when the Vector API module is absent.
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
  public void packB(int k, int n, float[] b, int bOff, int ldb, boolean transposed, float[] dst) {
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        dst[p * n + j] = transposed ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
      }
    }
  }

  /**
   * Blocks of 3 rows x 4 columns of C held in 12 scalar accumulators (12 independent FMA chains per
   * step of K, 7 loads): ~3x the saxpy sweeps, which HotSpot 17 does not vectorize here. Leftover
   * rows take the saxpy sweeps, leftover columns a dot product per element.
   */
  @Override
  public void multiply(
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
    int step = aPacked ? MR : 1;
    int i = 0;
    for (; i + 3 <= m; i += 3) {
      int a0 = aPacked ? aOff + Gemm.packedIndex(i, 0, k) : aOff + i * lda;
      int a1 = aPacked ? aOff + Gemm.packedIndex(i + 1, 0, k) : a0 + lda;
      int a2 = aPacked ? aOff + Gemm.packedIndex(i + 2, 0, k) : a1 + lda;
      int j = 0;
      for (; j + 4 <= n; j += 4) {
        block3x4(k, a, a0, a1, a2, step, bp, j, n, bias, biasOff, relu, c, cOff + i * ldc + j, ldc);
      }
      for (; j < n; j++) {
        float b = bias == null ? 0f : bias[biasOff + j];
        float s0 = b;
        float s1 = b;
        float s2 = b;
        for (int p = 0; p < k; p++) {
          float w = bp[p * n + j];
          s0 = Math.fma(a[a0 + p * step], w, s0);
          s1 = Math.fma(a[a1 + p * step], w, s1);
          s2 = Math.fma(a[a2 + p * step], w, s2);
        }
        int ci = cOff + i * ldc + j;
        c[ci] = relu ? Math.max(s0, 0f) : s0;
        c[ci + ldc] = relu ? Math.max(s1, 0f) : s1;
        c[ci + 2 * ldc] = relu ? Math.max(s2, 0f) : s2;
      }
    }
    for (; i < m; i++) {
      int ai = aPacked ? aOff + Gemm.packedIndex(i, 0, k) : aOff + i * lda;
      row(n, k, a, ai, step, bp, 0, n, bias, biasOff, relu, c, cOff + i * ldc);
    }
  }

  private static void block3x4(
      int k,
      float[] a,
      int a0,
      int a1,
      int a2,
      int step,
      float[] b,
      int j,
      int ldb,
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int c0,
      int ldc) {
    float s00 = bias == null ? 0f : bias[biasOff + j];
    float s01 = bias == null ? 0f : bias[biasOff + j + 1];
    float s02 = bias == null ? 0f : bias[biasOff + j + 2];
    float s03 = bias == null ? 0f : bias[biasOff + j + 3];
    float s10 = s00;
    float s11 = s01;
    float s12 = s02;
    float s13 = s03;
    float s20 = s00;
    float s21 = s01;
    float s22 = s02;
    float s23 = s03;
    for (int p = 0, q = 0, bp = j; p < k; p++, q += step, bp += ldb) {
      float x0 = a[a0 + q];
      float x1 = a[a1 + q];
      float x2 = a[a2 + q];
      float w0 = b[bp];
      float w1 = b[bp + 1];
      float w2 = b[bp + 2];
      float w3 = b[bp + 3];
      s00 = Math.fma(x0, w0, s00);
      s01 = Math.fma(x0, w1, s01);
      s02 = Math.fma(x0, w2, s02);
      s03 = Math.fma(x0, w3, s03);
      s10 = Math.fma(x1, w0, s10);
      s11 = Math.fma(x1, w1, s11);
      s12 = Math.fma(x1, w2, s12);
      s13 = Math.fma(x1, w3, s13);
      s20 = Math.fma(x2, w0, s20);
      s21 = Math.fma(x2, w1, s21);
      s22 = Math.fma(x2, w2, s22);
      s23 = Math.fma(x2, w3, s23);
    }
    if (relu) {
      s00 = Math.max(s00, 0f);
      s01 = Math.max(s01, 0f);
      s02 = Math.max(s02, 0f);
      s03 = Math.max(s03, 0f);
      s10 = Math.max(s10, 0f);
      s11 = Math.max(s11, 0f);
      s12 = Math.max(s12, 0f);
      s13 = Math.max(s13, 0f);
      s20 = Math.max(s20, 0f);
      s21 = Math.max(s21, 0f);
      s22 = Math.max(s22, 0f);
      s23 = Math.max(s23, 0f);
    }
    c[c0] = s00;
    c[c0 + 1] = s01;
    c[c0 + 2] = s02;
    c[c0 + 3] = s03;
    c[c0 + ldc] = s10;
    c[c0 + ldc + 1] = s11;
    c[c0 + ldc + 2] = s12;
    c[c0 + ldc + 3] = s13;
    c[c0 + 2 * ldc] = s20;
    c[c0 + 2 * ldc + 1] = s21;
    c[c0 + 2 * ldc + 2] = s22;
    c[c0 + 2 * ldc + 3] = s23;
  }

  /** C row = sum_p A(p) B[p, :] (+ bias, relu), A(p) = a[ai + p * step]. */
  private static void row(
      int n,
      int k,
      float[] a,
      int ai,
      int step,
      float[] b,
      int bOff,
      int ldb,
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int ci) {
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
  public void multiplyTransposedAccumulate(
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
          c[cp + j] +=
              x0 * b[b0 + j]
                  + x1 * b[b0 + ldb + j]
                  + x2 * b[b0 + 2 * ldb + j]
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
