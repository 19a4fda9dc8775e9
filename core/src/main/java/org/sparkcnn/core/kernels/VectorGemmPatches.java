package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.kernels.Gemm.MR;
import static org.sparkcnn.core.kernels.VectorGemm.L;
import static org.sparkcnn.core.kernels.VectorGemm.NR;
import static org.sparkcnn.core.kernels.VectorGemm.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * C = X B (+ bias, relu), X gathered in place from the patches of x ({@link PatchSource}): the
 * convolution forward of {@link Gemm#multiplyPatches}. Three tiles, by the shape of a patch: short
 * runs (conv1's runs of 3 floats) in one loop with a jumping offset, three long runs (3-row
 * kernels) in three consecutive loops, any other number of long runs one call per run. The C2 rules
 * they follow are at the top of {@link VectorGemm}.
 */
final class VectorGemmPatches {
  private VectorGemmPatches() {}

  /**
   * Runs of at least this many floats take one call of the tile per run; shorter ones one loop over
   * the whole patch. Measured on the seed model: conv2's runs of 96 ran ~20% faster per run,
   * conv1's runs of 3 ~40% slower.
   */
  private static final int LONG_RUN = 16;

  /**
   * Strips of B outer, panels of six patches inner, like {@link VectorGemmAB#multiply}; the tile
   * reads its six rows of X in place from x (six broadcasts per step of K from a few KiB of the
   * image).
   */
  static void multiplyPatches(
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
    for (int j0 = 0, b0 = 0; j0 < n; j0 += NR, b0 += k * NR) {
      int cols = Math.min(NR, n - j0);
      for (int i = 0; i < m; i += MR) {
        int rows = Math.min(MR, m - i);
        if (rows == MR && cols == NR && runLength < LONG_RUN) {
          tileShortRuns6x2(
              k,
              runLength,
              runStride,
              x,
              rowBase[i],
              rowBase[i + 1],
              rowBase[i + 2],
              rowBase[i + 3],
              rowBase[i + 4],
              rowBase[i + 5],
              bp,
              b0,
              bias,
              biasOff + j0,
              relu,
              c,
              cOff + i * ldc + j0,
              ldc);
        } else if (rows == MR && cols == NR && segs == 3) {
          tile3Runs6x2(
              runLength,
              runStride,
              bias == null ? NO_BIAS : bias,
              bias == null ? 0 : biasOff + j0,
              relu ? 0f : Float.NEGATIVE_INFINITY,
              x,
              rowBase[i],
              rowBase[i + 1],
              rowBase[i + 2],
              rowBase[i + 3],
              rowBase[i + 4],
              rowBase[i + 5],
              bp,
              b0,
              c,
              cOff + i * ldc + j0,
              ldc);
        } else if (rows == MR && cols == NR) {
          int c0 = cOff + i * ldc + j0;
          fillTile(MR, bias, biasOff + j0, c, c0, ldc);
          for (int s = 0; s < segs; s++) {
            int o = s * runStride;
            tilePatches6x2(
                runLength,
                relu && s == segs - 1 ? 0f : Float.NEGATIVE_INFINITY,
                x,
                rowBase[i] + o,
                rowBase[i + 1] + o,
                rowBase[i + 2] + o,
                rowBase[i + 3] + o,
                rowBase[i + 4] + o,
                rowBase[i + 5] + o,
                bp,
                b0 + s * runLength * NR,
                c,
                c0,
                ldc);
          }
        } else {
          // Rows past m repeat the last patch: valid offsets, results never stored.
          int last = m - 1;
          float[] t = Scratch.get().floats(Scratch.TILE, MR * NR);
          fillTile(MR, null, 0, t, 0, NR);
          for (int s = 0; s < segs; s++) {
            int o = s * runStride;
            tilePatches6x2(
                runLength,
                Float.NEGATIVE_INFINITY,
                x,
                rowBase[i] + o,
                rowBase[Math.min(i + 1, last)] + o,
                rowBase[Math.min(i + 2, last)] + o,
                rowBase[Math.min(i + 3, last)] + o,
                rowBase[Math.min(i + 4, last)] + o,
                rowBase[Math.min(i + 5, last)] + o,
                bp,
                b0 + s * runLength * NR,
                t,
                0,
                NR);
          }
          for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
              float v = t[r * NR + j] + (bias == null ? 0f : bias[biasOff + j0 + j]);
              c[cOff + (i + r) * ldc + j0 + j] = relu ? Math.max(v, 0f) : v;
            }
          }
        }
      }
    }
  }

  /**
   * The 6x2 tile over six 3-run patches (3-row kernels, the common case): three loops one after the
   * other, one per run, so that within each the offset is the loop index (C2 hoists the six
   * broadcasts' bounds checks) and the accumulators stay in registers across all three. They start
   * from init (the bias, or zeros) and end as max(., floor): floor 0 for relu, else -infinity
   * (which keeps every value, NaN included). Three consecutive loops, not a loop over the runs
   * around them: that nest boxes the accumulators (rule 1 in {@link VectorGemm}).
   */
  private static void tile3Runs6x2(
      int runLength,
      int runStride,
      float[] init,
      int initOff,
      float floorValue,
      float[] x,
      int a0,
      int a1,
      int a2,
      int a3,
      int a4,
      int a5,
      float[] b,
      int b0,
      float[] c,
      int c0,
      int ldc) {
    FloatVector floor = FloatVector.broadcast(S, floorValue);
    FloatVector c00 = FloatVector.fromArray(S, init, initOff);
    FloatVector c01 = FloatVector.fromArray(S, init, initOff + L);
    FloatVector c10 = c00;
    FloatVector c11 = c01;
    FloatVector c20 = c00;
    FloatVector c21 = c01;
    FloatVector c30 = c00;
    FloatVector c31 = c01;
    FloatVector c40 = c00;
    FloatVector c41 = c01;
    FloatVector c50 = c00;
    FloatVector c51 = c01;
    int bp = b0;
    for (int t = 0, end = t + runLength; t < end; t++, bp += NR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[a0 + t]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, x[a1 + t]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, x[a2 + t]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      xv = FloatVector.broadcast(S, x[a3 + t]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      xv = FloatVector.broadcast(S, x[a4 + t]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      xv = FloatVector.broadcast(S, x[a5 + t]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
    }
    for (int t = runStride, end = t + runLength; t < end; t++, bp += NR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[a0 + t]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, x[a1 + t]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, x[a2 + t]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      xv = FloatVector.broadcast(S, x[a3 + t]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      xv = FloatVector.broadcast(S, x[a4 + t]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      xv = FloatVector.broadcast(S, x[a5 + t]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
    }
    for (int t = 2 * runStride, end = t + runLength; t < end; t++, bp += NR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[a0 + t]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, x[a1 + t]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, x[a2 + t]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      xv = FloatVector.broadcast(S, x[a3 + t]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      xv = FloatVector.broadcast(S, x[a4 + t]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      xv = FloatVector.broadcast(S, x[a5 + t]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
    }
    c00.max(floor).intoArray(c, c0);
    c01.max(floor).intoArray(c, c0 + L);
    c10.max(floor).intoArray(c, c0 + ldc);
    c11.max(floor).intoArray(c, c0 + ldc + L);
    c20.max(floor).intoArray(c, c0 + 2 * ldc);
    c21.max(floor).intoArray(c, c0 + 2 * ldc + L);
    c30.max(floor).intoArray(c, c0 + 3 * ldc);
    c31.max(floor).intoArray(c, c0 + 3 * ldc + L);
    c40.max(floor).intoArray(c, c0 + 4 * ldc);
    c41.max(floor).intoArray(c, c0 + 4 * ldc + L);
    c50.max(floor).intoArray(c, c0 + 5 * ldc);
    c51.max(floor).intoArray(c, c0 + 5 * ldc + L);
  }

  /** Zeros to start a tile from when there is no bias. */
  private static final float[] NO_BIAS = new float[NR];

  /**
   * The 6x2 tile over six patches at x[a0..a5], one run of each patch per call (the caller loops
   * over the runs and has put the bias, or zeros, into C first): within a run the offset is the
   * loop index, so C2 hoists the bounds checks of the six broadcasts out of the loop, which it
   * cannot do for an offset that jumps between runs inside one loop. The accumulators come from C
   * and go back to C as max(., floor): floor is 0 for relu after the last run, else -infinity (max
   * with -infinity keeps every value, NaN included). The caller's loop over runs is outside this
   * method, so the accumulators never cross its back-edge (rule 1 in {@link VectorGemm}).
   */
  private static void tilePatches6x2(
      int runLength,
      float floorValue,
      float[] x,
      int a0,
      int a1,
      int a2,
      int a3,
      int a4,
      int a5,
      float[] b,
      int b0,
      float[] c,
      int c0,
      int ldc) {
    FloatVector floor = FloatVector.broadcast(S, floorValue);
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
    for (int t = 0, bp = b0; t < runLength; t++, bp += NR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[a0 + t]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, x[a1 + t]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, x[a2 + t]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      xv = FloatVector.broadcast(S, x[a3 + t]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      xv = FloatVector.broadcast(S, x[a4 + t]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      xv = FloatVector.broadcast(S, x[a5 + t]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
    }
    c00.max(floor).intoArray(c, c0);
    c01.max(floor).intoArray(c, c0 + L);
    c10.max(floor).intoArray(c, c0 + ldc);
    c11.max(floor).intoArray(c, c0 + ldc + L);
    c20.max(floor).intoArray(c, c0 + 2 * ldc);
    c21.max(floor).intoArray(c, c0 + 2 * ldc + L);
    c30.max(floor).intoArray(c, c0 + 3 * ldc);
    c31.max(floor).intoArray(c, c0 + 3 * ldc + L);
    c40.max(floor).intoArray(c, c0 + 4 * ldc);
    c41.max(floor).intoArray(c, c0 + 4 * ldc + L);
    c50.max(floor).intoArray(c, c0 + 5 * ldc);
    c51.max(floor).intoArray(c, c0 + 5 * ldc + L);
  }

  /** Rows [0, rows) x columns [0, NR) of C from c0 = bias[biasOff..] (or zeros). */
  private static void fillTile(int rows, float[] bias, int biasOff, float[] c, int c0, int ldc) {
    for (int r = 0; r < rows; r++) {
      if (bias == null) {
        Arrays.fill(c, c0 + r * ldc, c0 + r * ldc + NR, 0f);
      } else {
        System.arraycopy(bias, biasOff, c, c0 + r * ldc, NR);
      }
    }
  }

  /**
   * The 6x2 tile over six patches at x[a0..a5] for short runs (conv1's are 3 floats), all runs in
   * one loop: step p of K reads offset o of each patch, o advancing by 1 within a run and jumping
   * to the next run after runLength steps. Per-run calls would reload the accumulators every few
   * steps; a loop over the runs around a loop over a run boxes them (rule 1 in {@link VectorGemm}).
   */
  private static void tileShortRuns6x2(
      int k,
      int runLength,
      int runStride,
      float[] x,
      int a0,
      int a1,
      int a2,
      int a3,
      int a4,
      int a5,
      float[] b,
      int b0,
      float[] bias,
      int biasOff,
      boolean relu,
      float[] c,
      int c0,
      int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (bias == null) {
      c00 = c01 = FloatVector.zero(S);
    } else {
      c00 = FloatVector.fromArray(S, bias, biasOff);
      c01 = FloatVector.fromArray(S, bias, biasOff + L);
    }
    c10 = c20 = c30 = c40 = c50 = c00;
    c11 = c21 = c31 = c41 = c51 = c01;
    int jump = runStride - runLength;
    for (int p = 0, t = 0, o = 0, bp = b0; p < k; p++, bp += NR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector xv;
      xv = FloatVector.broadcast(S, x[a0 + o]);
      c00 = xv.fma(b0v, c00);
      c01 = xv.fma(b1v, c01);
      xv = FloatVector.broadcast(S, x[a1 + o]);
      c10 = xv.fma(b0v, c10);
      c11 = xv.fma(b1v, c11);
      xv = FloatVector.broadcast(S, x[a2 + o]);
      c20 = xv.fma(b0v, c20);
      c21 = xv.fma(b1v, c21);
      xv = FloatVector.broadcast(S, x[a3 + o]);
      c30 = xv.fma(b0v, c30);
      c31 = xv.fma(b1v, c31);
      xv = FloatVector.broadcast(S, x[a4 + o]);
      c40 = xv.fma(b0v, c40);
      c41 = xv.fma(b1v, c41);
      xv = FloatVector.broadcast(S, x[a5 + o]);
      c50 = xv.fma(b0v, c50);
      c51 = xv.fma(b1v, c51);
      o++;
      if (++t == runLength) {
        t = 0;
        o += jump;
      }
    }
    if (relu) {
      c00 = c00.max(0f);
      c01 = c01.max(0f);
      c10 = c10.max(0f);
      c11 = c11.max(0f);
      c20 = c20.max(0f);
      c21 = c21.max(0f);
      c30 = c30.max(0f);
      c31 = c31.max(0f);
      c40 = c40.max(0f);
      c41 = c41.max(0f);
      c50 = c50.max(0f);
      c51 = c51.max(0f);
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
