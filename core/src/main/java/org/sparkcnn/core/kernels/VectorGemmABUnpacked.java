package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.kernels.Gemm.MR;
import static org.sparkcnn.core.kernels.VectorGemm.L;
import static org.sparkcnn.core.kernels.VectorGemm.NR;
import static org.sparkcnn.core.kernels.VectorGemm.S;

import jdk.incubator.vector.FloatVector;

/**
 * C = A B (+ bias, relu) with A and B row-major, read where they lie: {@link Gemm#multiplyUnpacked}
 * for few rows of A, a dense layer's forward at a task's batch. B is the layer's kernel and by far
 * the largest operand (12,544 x 128 floats, 6.4 MB, in the rgb64 model, against 16 x 12,544 of A):
 * packing it for {@link VectorGemmAB} reads it, writes it and reads the packing once per 6-row
 * panel of A, 2 + ceil(M / 6) passes over memory for a product that needs one. Here K is cut into
 * blocks of {@link #KB} rows of B that stay in L1 while every strip of two vectors and panel of six
 * rows goes over them, so B is read from memory once. Each block's tiles add into C's accumulators,
 * a zero-padded scratch copy of C loaded and stored by every tile call: no vector lives across the
 * loop over blocks (rule 1 at the top of {@link VectorGemm}).
 */
final class VectorGemmABUnpacked {
  private VectorGemmABUnpacked() {}

  /**
   * Rows of B per block. A block's strip is KB x 2 vectors of B whose rows lie ldb floats apart; at
   * the rgb64 dense layer's 512 bytes they fall into a quarter of L1's sets (16 of 64), ~96 rows of
   * 12-way 48 KiB L1: 64 rows stay resident while the ceil(M / 6) panels read them, and the tile's
   * load and store of its 12 accumulators is spread over 64 steps of 12 FMAs. Measured on that
   * layer at M = 16: 32 rows 1.12 ms, 64 0.88, 128 1.00, 256 0.98, 1024 1.38.
   */
  static final int KB = 64;

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
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int cOff,
      int ldc) {
    // Whole strips of NR columns in place; the last N % NR columns (a strip would read past B's
    // rows) through the packed product, which pads them with zeros.
    int full = n / NR * NR;
    if (full > 0) {
      int rows = (m + MR - 1) / MR * MR;
      float[] acc = Scratch.get().floats(Scratch.SMALL_C, rows * full);
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < full; j++) {
          acc[r * full + j] = bias == null ? 0f : bias[biasOff + j];
        }
      }
      for (int p0 = 0; p0 < k; p0 += KB) {
        int kb = Math.min(KB, k - p0);
        for (int j0 = 0; j0 < full; j0 += NR) {
          for (int i = 0; i < m; i += MR) {
            // Rows past M repeat row M - 1 (read, never stored to C).
            int a0 = aOff + p0 + i * lda;
            int last = aOff + p0 + (m - 1) * lda;
            tile6x2(
                kb,
                a,
                a0,
                Math.min(a0 + lda, last),
                Math.min(a0 + 2 * lda, last),
                Math.min(a0 + 3 * lda, last),
                Math.min(a0 + 4 * lda, last),
                Math.min(a0 + 5 * lda, last),
                b,
                bOff + p0 * ldb + j0,
                ldb,
                acc,
                i * full + j0,
                full);
          }
        }
      }
      for (int r = 0; r < m; r++) {
        for (int j = 0; j < full; j++) {
          float v = acc[r * full + j];
          c[cOff + r * ldc + j] = relu ? Math.max(v, 0f) : v;
        }
      }
    }
    if (full < n) {
      int rest = n - full;
      float[] bp = Scratch.get().floats(Scratch.PACKED_B, NR * k);
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < NR; j++) {
          bp[p * NR + j] = j < rest ? b[bOff + p * ldb + full + j] : 0f;
        }
      }
      VectorGemmAB.multiply(
          m, rest, k, a, aOff, lda, false, bp, bias, biasOff + full, relu, c, cOff + full, ldc);
    }
  }

  /**
   * C (6 rows x 2 vectors from c0, leading dimension ldc) += rows a0..a5 of A (kb floats from each
   * offset) times kb rows of B from b0 (ldb apart). Also {@link VectorGemmABT}'s tile.
   */
  static void tile6x2(
      int kb,
      float[] a,
      int a0,
      int a1,
      int a2,
      int a3,
      int a4,
      int a5,
      float[] b,
      int b0,
      int ldb,
      float[] c,
      int c0,
      int ldc) {
    FloatVector c00 = FloatVector.fromArray(S, c, c0);
    FloatVector c01 = FloatVector.fromArray(S, c, c0 + L);
    FloatVector c10 = FloatVector.fromArray(S, c, c0 + ldc);
    FloatVector c11 = FloatVector.fromArray(S, c, c0 + ldc + L);
    FloatVector c20 = FloatVector.fromArray(S, c, c0 + 2 * ldc);
    FloatVector c21 = FloatVector.fromArray(S, c, c0 + 2 * ldc + L);
    FloatVector c30 = FloatVector.fromArray(S, c, c0 + 3 * ldc);
    FloatVector c31 = FloatVector.fromArray(S, c, c0 + 3 * ldc + L);
    FloatVector c40 = FloatVector.fromArray(S, c, c0 + 4 * ldc);
    FloatVector c41 = FloatVector.fromArray(S, c, c0 + 4 * ldc + L);
    FloatVector c50 = FloatVector.fromArray(S, c, c0 + 5 * ldc);
    FloatVector c51 = FloatVector.fromArray(S, c, c0 + 5 * ldc + L);
    for (int p = 0, bp = b0; p < kb; p++, bp += ldb) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0v, c00);
      c01 = x.fma(b1v, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0v, c10);
      c11 = x.fma(b1v, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0v, c20);
      c21 = x.fma(b1v, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0v, c30);
      c31 = x.fma(b1v, c31);
      x = FloatVector.broadcast(S, a[a4 + p]);
      c40 = x.fma(b0v, c40);
      c41 = x.fma(b1v, c41);
      x = FloatVector.broadcast(S, a[a5 + p]);
      c50 = x.fma(b0v, c50);
      c51 = x.fma(b1v, c51);
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
