package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.kernels.Gemm.MR;
import static org.sparkcnn.core.kernels.VectorGemm.L;
import static org.sparkcnn.core.kernels.VectorGemm.NR;
import static org.sparkcnn.core.kernels.VectorGemm.S;

import jdk.incubator.vector.FloatVector;

/**
 * C += X^T B, X gathered in place from the patches of x: the convolution's weight gradient of
 * {@link Gemm#multiplyTransposedPatchesAccumulate}, summed over all pixels of a block. The C2 rules
 * it follows are at the top of {@link VectorGemm}.
 */
final class VectorGemmTPatches {
  private VectorGemmTPatches() {}

  /**
   * Whether the 6x4 tile fits the registers: 24 accumulators, 4 vectors of B and a broadcast are 29
   * live vectors, within AVX-512's 32 (the only ISA whose preferred species is 512 bits wide) and
   * far past AVX2's 16 (rule 3 at the top of {@link VectorGemm}). Per pixel it loads 4 vectors and
   * broadcasts 6 floats for 24 FMAs, against 2 and 6 for 12 in the 6x2 tile. Measured on rgb64's
   * conv2 (K = 288, 64 filters, 16 images; AVX-512, kernel A/B in one JVM): 1.28-1.45x the 6x2
   * tile's speed, 0 bytes allocated.
   */
  static final boolean WIDE = S.vectorBitSize() >= 512;

  /**
   * True if the tiles below cover the product: runs of a multiple of MR floats (6-row tiles, any
   * filter count), or of 3 floats with filters a multiple of NR (6-row tiles while a run has six
   * floats left, then a 3-row one).
   */
  static boolean fits(int runLength, int n) {
    return runLength % MR == 0 || (runLength % 3 == 0 && n % NR == 0);
  }

  /**
   * Tiles of six rows p of dW by two vectors of filters (by four where {@link #WIDE}), summed over
   * all pixels of the block; the six p of a tile are six consecutive floats of one run. A run of 3
   * (mod 6) floats ends in a 3-row tile: by four vectors of filters where they come in multiples of
   * 2 NR (12 accumulators), else by two. Conv1 of the seed model (C = 1, runs of 3) takes 3-row
   * tiles only, conv1 of rgb64 (C = 3, runs of 9) a 6-row and a 3-row tile per run; before these,
   * 3-float runs next to 32 filters at 16 lanes (and every 9-float run) materialized their patches
   * for the plain product, one 36-byte copy per run and pixel.
   */
  static void multiplyTransposedPatchesAccumulate(
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
    for (int p = 0; p < k; ) {
      int inRun = p % runLength;
      int offset = p / runLength * runStride + inRun;
      if (runLength - inRun >= MR) {
        int j = 0;
        if (WIDE) {
          for (; j + 2 * NR <= n; j += 2 * NR) {
            tileTPatches6x4(m, x, rowBase, offset, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
          }
        }
        for (; j + NR <= n; j += NR) {
          tileTPatches6x2(m, x, rowBase, offset, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
        }
        for (; j < n; j++) {
          for (int r = 0; r < MR; r++) {
            float sum = 0f;
            for (int i = 0; i < m; i++) {
              sum = Math.fma(x[rowBase[i] + offset + r], b[bOff + i * ldb + j], sum);
            }
            c[cOff + (p + r) * ldc + j] += sum;
          }
        }
        p += MR;
      } else if (n % (2 * NR) == 0) {
        for (int j = 0; j < n; j += 2 * NR) {
          tileTPatches3x4(m, x, rowBase, offset, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
        }
        p += 3;
      } else {
        for (int j = 0; j < n; j += NR) {
          tileTPatches3x2(m, x, rowBase, offset, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
        }
        p += 3;
      }
    }
  }

  private static void tileTPatches3x2(
      int m,
      float[] x,
      int[] rowBase,
      int offset,
      float[] b,
      int b0,
      int ldb,
      float[] c,
      int c0,
      int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21;
    c00 = c01 = c10 = c11 = c20 = c21 = FloatVector.zero(S);
    for (int i = 0, bi = b0; i < m; i++, bi += ldb) {
      int ai = rowBase[i] + offset;
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[ai]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, x[ai + 1]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, x[ai + 2]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
    }
    c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
    c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
    c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
    c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
    c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
    c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
  }

  private static void tileTPatches3x4(
      int m,
      float[] x,
      int[] rowBase,
      int offset,
      float[] b,
      int b0,
      int ldb,
      float[] c,
      int c0,
      int ldc) {
    FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = FloatVector.zero(S);
    for (int i = 0, bi = b0; i < m; i++, bi += ldb) {
      int ai = rowBase[i] + offset;
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector b2v = FloatVector.fromArray(S, b, bi + 2 * L);
      FloatVector b3v = FloatVector.fromArray(S, b, bi + 3 * L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[ai]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      c02 = xv.fma(b2v, c02);
      c03 = xv.fma(b3v, c03);
      xv = FloatVector.broadcast(S, x[ai + 1]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      c12 = xv.fma(b2v, c12);
      c13 = xv.fma(b3v, c13);
      xv = FloatVector.broadcast(S, x[ai + 2]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      c22 = xv.fma(b2v, c22);
      c23 = xv.fma(b3v, c23);
    }
    c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
    c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
    c02.add(FloatVector.fromArray(S, c, c0 + 2 * L)).intoArray(c, c0 + 2 * L);
    c03.add(FloatVector.fromArray(S, c, c0 + 3 * L)).intoArray(c, c0 + 3 * L);
    c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
    c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
    c12.add(FloatVector.fromArray(S, c, c0 + ldc + 2 * L)).intoArray(c, c0 + ldc + 2 * L);
    c13.add(FloatVector.fromArray(S, c, c0 + ldc + 3 * L)).intoArray(c, c0 + ldc + 3 * L);
    c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
    c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
    c22.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + 2 * L)).intoArray(c, c0 + 2 * ldc + 2 * L);
    c23.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + 3 * L)).intoArray(c, c0 + 2 * ldc + 3 * L);
  }

  private static void tileTPatches6x4(
      int m,
      float[] x,
      int[] rowBase,
      int offset,
      float[] b,
      int b0,
      int ldb,
      float[] c,
      int c0,
      int ldc) {
    FloatVector c00,
        c01,
        c02,
        c03,
        c10,
        c11,
        c12,
        c13,
        c20,
        c21,
        c22,
        c23,
        c30,
        c31,
        c32,
        c33,
        c40,
        c41,
        c42,
        c43,
        c50,
        c51,
        c52,
        c53;
    c00 =
        c01 =
            c02 =
                c03 =
                    c10 =
                        c11 =
                            c12 =
                                c13 =
                                    c20 =
                                        c21 =
                                            c22 =
                                                c23 =
                                                    c30 =
                                                        c31 =
                                                            c32 =
                                                                c33 =
                                                                    c40 =
                                                                        c41 =
                                                                            c42 =
                                                                                c43 =
                                                                                    c50 =
                                                                                        c51 =
                                                                                            c52 =
                                                                                                c53 =
                                                                                                    FloatVector
                                                                                                        .zero(
                                                                                                            S);
    for (int i = 0, bi = b0; i < m; i++, bi += ldb) {
      int ai = rowBase[i] + offset;
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector b2v = FloatVector.fromArray(S, b, bi + 2 * L);
      FloatVector b3v = FloatVector.fromArray(S, b, bi + 3 * L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[ai]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      c02 = xv.fma(b2v, c02);
      c03 = xv.fma(b3v, c03);
      xv = FloatVector.broadcast(S, x[ai + 1]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      c12 = xv.fma(b2v, c12);
      c13 = xv.fma(b3v, c13);
      xv = FloatVector.broadcast(S, x[ai + 2]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      c22 = xv.fma(b2v, c22);
      c23 = xv.fma(b3v, c23);
      xv = FloatVector.broadcast(S, x[ai + 3]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      c32 = xv.fma(b2v, c32);
      c33 = xv.fma(b3v, c33);
      xv = FloatVector.broadcast(S, x[ai + 4]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      c42 = xv.fma(b2v, c42);
      c43 = xv.fma(b3v, c43);
      xv = FloatVector.broadcast(S, x[ai + 5]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
      c52 = xv.fma(b2v, c52);
      c53 = xv.fma(b3v, c53);
    }
    c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
    c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
    c02.add(FloatVector.fromArray(S, c, c0 + 2 * L)).intoArray(c, c0 + 2 * L);
    c03.add(FloatVector.fromArray(S, c, c0 + 3 * L)).intoArray(c, c0 + 3 * L);
    c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
    c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
    c12.add(FloatVector.fromArray(S, c, c0 + ldc + 2 * L)).intoArray(c, c0 + ldc + 2 * L);
    c13.add(FloatVector.fromArray(S, c, c0 + ldc + 3 * L)).intoArray(c, c0 + ldc + 3 * L);
    c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
    c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
    c22.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + 2 * L)).intoArray(c, c0 + 2 * ldc + 2 * L);
    c23.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + 3 * L)).intoArray(c, c0 + 2 * ldc + 3 * L);
    c30.add(FloatVector.fromArray(S, c, c0 + 3 * ldc)).intoArray(c, c0 + 3 * ldc);
    c31.add(FloatVector.fromArray(S, c, c0 + 3 * ldc + L)).intoArray(c, c0 + 3 * ldc + L);
    c32.add(FloatVector.fromArray(S, c, c0 + 3 * ldc + 2 * L)).intoArray(c, c0 + 3 * ldc + 2 * L);
    c33.add(FloatVector.fromArray(S, c, c0 + 3 * ldc + 3 * L)).intoArray(c, c0 + 3 * ldc + 3 * L);
    c40.add(FloatVector.fromArray(S, c, c0 + 4 * ldc)).intoArray(c, c0 + 4 * ldc);
    c41.add(FloatVector.fromArray(S, c, c0 + 4 * ldc + L)).intoArray(c, c0 + 4 * ldc + L);
    c42.add(FloatVector.fromArray(S, c, c0 + 4 * ldc + 2 * L)).intoArray(c, c0 + 4 * ldc + 2 * L);
    c43.add(FloatVector.fromArray(S, c, c0 + 4 * ldc + 3 * L)).intoArray(c, c0 + 4 * ldc + 3 * L);
    c50.add(FloatVector.fromArray(S, c, c0 + 5 * ldc)).intoArray(c, c0 + 5 * ldc);
    c51.add(FloatVector.fromArray(S, c, c0 + 5 * ldc + L)).intoArray(c, c0 + 5 * ldc + L);
    c52.add(FloatVector.fromArray(S, c, c0 + 5 * ldc + 2 * L)).intoArray(c, c0 + 5 * ldc + 2 * L);
    c53.add(FloatVector.fromArray(S, c, c0 + 5 * ldc + 3 * L)).intoArray(c, c0 + 5 * ldc + 3 * L);
  }

  private static void tileTPatches6x2(
      int m,
      float[] x,
      int[] rowBase,
      int offset,
      float[] b,
      int b0,
      int ldb,
      float[] c,
      int c0,
      int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
    for (int i = 0, bi = b0; i < m; i++, bi += ldb) {
      int ai = rowBase[i] + offset;
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[ai]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, x[ai + 1]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, x[ai + 2]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      xv = FloatVector.broadcast(S, x[ai + 3]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      xv = FloatVector.broadcast(S, x[ai + 4]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      xv = FloatVector.broadcast(S, x[ai + 5]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
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
}
