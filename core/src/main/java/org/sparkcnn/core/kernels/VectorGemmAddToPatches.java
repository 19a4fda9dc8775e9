package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.kernels.Gemm.MR;
import static org.sparkcnn.core.kernels.VectorGemm.L;
import static org.sparkcnn.core.kernels.VectorGemm.NR;
import static org.sparkcnn.core.kernels.VectorGemm.S;

import jdk.incubator.vector.FloatVector;

/**
 * dx patches += A B: the convolution's input gradient of {@link Gemm#multiplyAddToPatches}, dY (M,
 * F) times the packed transposed weights, each tile of the product added straight onto the patches
 * of dx (col2im fused into the store). The C2 rules it follows are at the top of {@link
 * VectorGemm}.
 */
final class VectorGemmAddToPatches {
  private VectorGemmAddToPatches() {}

  /**
   * Tiles of A B (six rows of A by two vectors of columns of B) added onto the patches of dx; a
   * strip of NR columns lies within one run when runLength is a multiple of NR (the caller checks
   * {@link #fits}).
   */
  /** True if a strip of NR columns of the product lies within one run of a patch. */
  static boolean fits(int runLength) {
    return runLength % NR == 0;
  }

  static void multiplyAddToPatches(
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
    float[] ap = Scratch.get().floats(Scratch.GEMM_PANEL, (m + MR - 1) / MR * MR * f);
    Gemm.packA(m, f, a, aOff, lda, ap);
    for (int j0 = 0, b0 = 0; j0 < k; j0 += NR, b0 += f * NR) {
      int offset = j0 / runLength * runStride + j0 % runLength;
      for (int i = 0; i < m; i += MR) {
        tileAddToPatches6x2(f, ap, i * f, bp, b0, dx, rowBase, i, Math.min(MR, m - i), offset);
      }
    }
  }

  private static void tileAddToPatches6x2(
      int k,
      float[] ap,
      int a0,
      float[] b,
      int b0,
      float[] dx,
      int[] rowBase,
      int i,
      int rows,
      int offset) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
    for (int p = 0, bp = b0, a = a0; p < k; p++, bp += NR, a += MR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, ap[a]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, ap[a + 1]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, ap[a + 2]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      xv = FloatVector.broadcast(S, ap[a + 3]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      xv = FloatVector.broadcast(S, ap[a + 4]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      xv = FloatVector.broadcast(S, ap[a + 5]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
    }
    addTo(dx, rowBase[i] + offset, c00, c01);
    if (rows > 1) {
      addTo(dx, rowBase[i + 1] + offset, c10, c11);
    }
    if (rows > 2) {
      addTo(dx, rowBase[i + 2] + offset, c20, c21);
    }
    if (rows > 3) {
      addTo(dx, rowBase[i + 3] + offset, c30, c31);
    }
    if (rows > 4) {
      addTo(dx, rowBase[i + 4] + offset, c40, c41);
    }
    if (rows > 5) {
      addTo(dx, rowBase[i + 5] + offset, c50, c51);
    }
  }

  private static void addTo(float[] dx, int at, FloatVector v0, FloatVector v1) {
    v0.add(FloatVector.fromArray(S, dx, at)).intoArray(dx, at);
    v1.add(FloatVector.fromArray(S, dx, at + L)).intoArray(dx, at + L);
  }
}
