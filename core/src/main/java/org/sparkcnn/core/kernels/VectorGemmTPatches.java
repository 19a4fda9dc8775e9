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
   * True if the tiles below cover the product: runs of a multiple of MR floats (6-row tiles, any
   * filter count), or of 3 floats with filters a multiple of NR (6-row tiles while a run has six
   * floats left, then a 3-row one).
   */
  static boolean fits(int runLength, int n) {
    return runLength % MR == 0 || (runLength % 3 == 0 && n % NR == 0);
  }

  /**
   * Tiles of six rows p of dW by two vectors of filters, summed over all pixels of the block; the
   * six p of a tile are six consecutive floats of one run. A run of 3 (mod 6) floats ends in a
   * 3-row tile: by four vectors of filters where they come in multiples of 2 NR (12 accumulators),
   * else by two. Conv1 of the seed model (C = 1, runs of 3) takes 3-row tiles only, conv1 of rgb64
   * (C = 3, runs of 9) a 6-row and a 3-row tile per run; before these, 3-float runs next to 32
   * filters at 16 lanes (and every 9-float run) materialized their patches for the plain product,
   * one 36-byte copy per run and pixel.
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
