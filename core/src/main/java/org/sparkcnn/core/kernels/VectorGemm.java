package org.sparkcnn.core.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm} on the JDK Vector API: a register-tiled micro-kernel of 6 rows x 2 vectors of C (12
 * accumulators, 2 loads of B and 1 broadcast of A per step of K: 15 registers, which fits the 16 of
 * AVX2 and leaves AVX-512's 32 half free). Each step of K issues 12 independent FMAs, more than the
 * FMA latency (4-5 cycles) times the 2 FMA ports, so the tile runs at the FMA throughput as long as
 * B's 2 vectors come from L1.
 *
 * <p>Columns beyond the last full pair of vectors take a 1-vector tile, then a scalar tail; rows
 * beyond the last multiple of 6 take a 1-row tile. A is read from packed panels (see {@link Gemm}):
 * one contiguous stream of broadcasts made the tile ~40% faster than six row streams on the conv2
 * shape. This class is the only one that touches {@code jdk.incubator.vector}; it is loaded only
 * when the module is present.
 */
final class VectorGemm implements Gemm {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  @Override
  public String name() {
    return "vector-" + S.vectorBitSize() + "bit-" + MR + "x2";
  }

  /** Columns per strip of packed B: the tile's two vectors. */
  private static final int NR = 2 * L;

  /**
   * Packed B: strips of NR columns, strip s holding B[:, s*NR, s*NR + NR) as K rows of NR
   * contiguous floats (zeros past N). A strip of conv2's weights is 18 KiB read sequentially; read
   * in place, its rows 256 bytes apart fell into a sixteenth of L1's sets and missed.
   */
  @Override
  public int packedBSize(int k, int n) {
    return (n + NR - 1) / NR * NR * k;
  }

  @Override
  public void packB(int k, int n, float[] b, int bOff, int ldb, boolean transposed, float[] dst) {
    for (int j0 = 0, d = 0; j0 < n; j0 += NR) {
      int cols = Math.min(NR, n - j0);
      for (int p = 0; p < k; p++, d += NR) {
        if (transposed) {
          for (int j = 0, src = bOff + j0 * ldb + p; j < cols; j++, src += ldb) {
            dst[d + j] = b[src];
          }
        } else {
          System.arraycopy(b, bOff + p * ldb + j0, dst, d, cols);
        }
        if (cols < NR) {
          Arrays.fill(dst, d + cols, d + NR, 0f);
        }
      }
    }
  }

  /**
   * Strips of B outer, panels of A inner: the strip (K x NR floats) stays in L1 while the panels
   * stream from L2. Tiles cut by the edge of C are computed whole into a scratch tile and copied.
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
    float[] ap = a;
    int apOff = aOff;
    if (!aPacked) {
      ap = Scratch.get().floats(Scratch.GEMM_PANEL, (m + MR - 1) / MR * MR * k);
      apOff = 0;
      Gemm.packA(m, k, a, aOff, lda, ap);
    }
    for (int j0 = 0, b0 = 0; j0 < n; j0 += NR, b0 += k * NR) {
      int cols = Math.min(NR, n - j0);
      for (int i = 0; i < m; i += MR) {
        int rows = Math.min(MR, m - i);
        if (rows == MR && cols == NR) {
          tile6x2(
              k, ap, apOff + i * k, bp, b0, bias, biasOff + j0, relu, c, cOff + i * ldc + j0, ldc);
        } else {
          float[] t = Scratch.get().floats(Scratch.TILE, MR * NR);
          tile6x2(k, ap, apOff + i * k, bp, b0, null, 0, false, t, 0, NR);
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

  private static void tile6x2(
      int k,
      float[] ap,
      int a0,
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
    for (int p = 0, bp = b0, a = a0; p < k; p++, bp += NR, a += MR) {
      FloatVector b0v = FloatVector.fromArray(S, b, bp);
      FloatVector b1v = FloatVector.fromArray(S, b, bp + L);
      FloatVector x = FloatVector.broadcast(S, ap[a]);
      c00 = x.fma(b0v, c00);
      c01 = x.fma(b1v, c01);
      x = FloatVector.broadcast(S, ap[a + 1]);
      c10 = x.fma(b0v, c10);
      c11 = x.fma(b1v, c11);
      x = FloatVector.broadcast(S, ap[a + 2]);
      c20 = x.fma(b0v, c20);
      c21 = x.fma(b1v, c21);
      x = FloatVector.broadcast(S, ap[a + 3]);
      c30 = x.fma(b0v, c30);
      c31 = x.fma(b1v, c31);
      x = FloatVector.broadcast(S, ap[a + 4]);
      c40 = x.fma(b0v, c40);
      c41 = x.fma(b1v, c41);
      x = FloatVector.broadcast(S, ap[a + 5]);
      c50 = x.fma(b0v, c50);
      c51 = x.fma(b1v, c51);
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

  /**
   * Runs of at least this many floats take one call of the tile per run; shorter ones one loop over
   * the whole patch. Measured on the seed model: conv2's runs of 96 ran ~20% faster per run,
   * conv1's runs of 3 ~40% slower.
   */
  private static final int LONG_RUN = 16;

  /**
   * Strips of B outer, panels of six patches inner, like {@link #multiply}; the tile reads its six
   * rows of X in place from x (six broadcasts per step of K from a few KiB of the image).
   */
  @Override
  public void multiplyPatches(
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
   * (which keeps every value, NaN included). Not "if (relu) c00 = c00.max(0)": a vector assigned in
   * a branch made JDK 17's C2 run this tile at half speed.
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
   * with -infinity keeps every value, NaN included). No branch assigns a vector: with "if (relu)
   * c00 = c00.max(0)" JDK 17's C2 boxed the accumulators and the tile ran at half speed.
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
   * steps; one loop per run inside one method makes C2 box the vectors (measured 10x slower on JDK
   * 17).
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

  /**
   * Tiles of A B (six rows of A by two vectors of columns of B) added onto the patches of dx; a
   * strip of NR columns lies within one run when runLength is a multiple of NR (else the plain
   * version does it).
   */
  @Override
  public void multiplyAddToPatches(
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
    if (runLength % NR != 0) {
      Gemm.super.multiplyAddToPatches(
          m, segs, runLength, runStride, f, a, aOff, lda, bp, dx, rowBase);
      return;
    }
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

  /**
   * Tiles of six rows p of dW by two vectors of filters, summed over all pixels of the block; the
   * six p of a tile are six consecutive floats of one run when runLength is a multiple of MR (else
   * the plain version does it).
   */
  @Override
  public void multiplyTransposedPatchesAccumulate(
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
    if (runLength % MR != 0 && runLength % 3 == 0 && n % (2 * NR) == 0) {
      shortRunsTransposedPatchesAccumulate(
          m, n, segs, runLength, runStride, x, rowBase, b, bOff, ldb, c, cOff, ldc);
      return;
    }
    if (runLength % MR != 0) {
      Gemm.super.multiplyTransposedPatchesAccumulate(
          m, n, segs, runLength, runStride, x, rowBase, b, bOff, ldb, c, cOff, ldc);
      return;
    }
    int k = segs * runLength;
    for (int p = 0; p < k; p += MR) {
      int offset = p / runLength * runStride + p % runLength;
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
    }
  }

  /**
   * The weight gradient for runs of a multiple of 3 floats but not of 6 (conv1 of the seed model: C
   * = 1, runs of 3) and filters a multiple of 4 vectors: tiles of 3 rows p of dW by 4 vectors of
   * filters (12 accumulators), instead of materializing the patches for the 6x2 tile.
   */
  private static void shortRunsTransposedPatchesAccumulate(
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
    for (int p = 0; p < k; p += 3) {
      int offset = p / runLength * runStride + p % runLength;
      for (int j = 0; j < n; j += 2 * NR) {
        tileTPatches3x4(m, x, rowBase, offset, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
      }
    }
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
    // C[p, j] += sum_i A[i, p] B[i, j]: tiles of 6 rows p x 2 vectors j, summed over all i.
    int p = 0;
    for (; p + MR <= k; p += MR) {
      int j = 0;
      for (; j + 2 * L <= n; j += 2 * L) {
        tileT6x2(m, a, aOff + p, lda, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
      }
      for (int r = 0; r < MR; r++) {
        rowTailT(j, n, m, a, aOff + p + r, lda, b, bOff, ldb, c, cOff + (p + r) * ldc);
      }
    }
    // conv1's K = 9 leaves 3 rows: a 3-row tile keeps them off the latency-bound 1-row path.
    if (p + 3 <= k) {
      int j = 0;
      for (; j + 2 * L <= n; j += 2 * L) {
        tileT3x2(m, a, aOff + p, lda, b, bOff + j, ldb, c, cOff + p * ldc + j, ldc);
      }
      for (int r = 0; r < 3; r++) {
        rowTailT(j, n, m, a, aOff + p + r, lda, b, bOff, ldb, c, cOff + (p + r) * ldc);
      }
      p += 3;
    }
    for (; p < k; p++) {
      rowTailT(0, n, m, a, aOff + p, lda, b, bOff, ldb, c, cOff + p * ldc);
    }
  }

  private static void tileT3x2(
      int m, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c, int c0, int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21;
    c00 = c01 = c10 = c11 = c20 = c21 = FloatVector.zero(S);
    for (int i = 0, ai = a0, bi = b0; i < m; i++, ai += lda, bi += ldb) {
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0v, c00);
      c01 = x.fma(b1v, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0v, c10);
      c11 = x.fma(b1v, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0v, c20);
      c21 = x.fma(b1v, c21);
    }
    c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
    c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
    c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
    c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
    c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
    c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
  }

  private static void tileT6x2(
      int m, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c, int c0, int ldc) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
    for (int i = 0, ai = a0, bi = b0; i < m; i++, ai += lda, bi += ldb) {
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0v, c00);
      c01 = x.fma(b1v, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0v, c10);
      c11 = x.fma(b1v, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0v, c20);
      c21 = x.fma(b1v, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0v, c30);
      c31 = x.fma(b1v, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0v, c40);
      c41 = x.fma(b1v, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0v, c50);
      c51 = x.fma(b1v, c51);
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

  /** Row p of C from column j: C[p, j..] += sum_i A[i, p] B[i, j..]. */
  private static void rowTailT(
      int j,
      int n,
      int m,
      float[] a,
      int ap,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cp) {
    for (; j + L <= n; j += L) {
      FloatVector s0 = FloatVector.zero(S);
      FloatVector s1 = FloatVector.zero(S);
      int i = 0;
      for (; i + 2 <= m; i += 2) {
        s0 =
            FloatVector.broadcast(S, a[ap + i * lda])
                .fma(FloatVector.fromArray(S, b, bOff + i * ldb + j), s0);
        s1 =
            FloatVector.broadcast(S, a[ap + (i + 1) * lda])
                .fma(FloatVector.fromArray(S, b, bOff + (i + 1) * ldb + j), s1);
      }
      if (i < m) {
        s0 =
            FloatVector.broadcast(S, a[ap + i * lda])
                .fma(FloatVector.fromArray(S, b, bOff + i * ldb + j), s0);
      }
      s0.add(s1).add(FloatVector.fromArray(S, c, cp + j)).intoArray(c, cp + j);
    }
    for (; j < n; j++) {
      float s = 0f;
      for (int i = 0; i < m; i++) {
        s = Math.fma(a[ap + i * lda], b[bOff + i * ldb + j], s);
      }
      c[cp + j] += s;
    }
  }
}
