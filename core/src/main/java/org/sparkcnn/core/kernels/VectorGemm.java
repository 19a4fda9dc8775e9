package org.sparkcnn.core.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm} on the JDK Vector API. Every product is a register-tiled micro-kernel of 6 rows x 2
 * vectors of C (12 accumulators, 2 loads of B and 1 broadcast of A per step of K: 15 registers,
 * which fits the 16 of AVX2 and leaves AVX-512's 32 half free). Each step of K issues 12
 * independent FMAs, more than the FMA latency (4-5 cycles) times the 2 FMA ports, so the tile runs
 * at the FMA throughput as long as B's 2 vectors come from L1. This class packs B and sends each
 * product to its family, one file each:
 *
 * <ul>
 *   <li>{@link VectorGemmAB}: C = A B (+ bias, relu) with B packed, products whose A is already a
 *       matrix;
 *   <li>{@link VectorGemmABUnpacked}: C = A B (+ bias, relu) with B read in place, the dense
 *       forward;
 *   <li>{@link VectorGemmABT}: C = A B^T with B read in place, the dense input gradient;
 *   <li>{@link VectorGemmATB}: C += A^T B, the dense weight gradient;
 *   <li>{@link VectorGemmPatches}: C = X B (+ bias, relu), X read in place from the patches of the
 *       image, the convolution forward;
 *   <li>{@link VectorGemmAddToPatches}: patches of dx += A B, the convolution input gradient;
 *   <li>{@link VectorGemmTPatches}: C += X^T B, the convolution weight gradient.
 * </ul>
 *
 * <p>Products whose shape no tile covers take the plain version of {@link Gemm}'s default method.
 * These classes are the only ones that touch {@code jdk.incubator.vector}; they are loaded only
 * when the module is present.
 *
 * <h2>What JDK 17's C2 does to the tiles (the rules every tile here follows)</h2>
 *
 * <p>The failure to avoid is <em>boxing</em>: when C2 cannot keep a {@code FloatVector} in a
 * register it allocates it on the heap at every use, and the tile runs 10-40x slower. It shows as
 * allocated bytes: a tile that boxes allocates per call, a sound one allocates nothing (the
 * benchmark prints bytes allocated per training step; any vector kernel's share should be 0).
 * Measured on JDK 17.0.15, AVX-512, each variant against the tile as written here, in one JVM
 * (thread CPU time and {@code ThreadMXBean} allocated bytes per call):
 *
 * <ol>
 *   <li><b>Boxed: vectors carried across the back-edge of an outer loop.</b> Accumulators that live
 *       through an inner loop nested in another loop of the same compiled method (a loop over a
 *       patch's runs around the loop over a run) are boxed: 335 KB allocated per tile call, 2.6
 *       GFLOP/s against 70-130. So an accumulator lives in one loop: a patch of several runs is
 *       either one flat loop whose offset jumps between runs ({@link
 *       VectorGemmPatches#tileShortRuns6x2}), or consecutive loops written out one after another
 *       ({@link VectorGemmPatches#tile3Runs6x2}), or one call per run with the accumulators loaded
 *       from and stored to C ({@link VectorGemmPatches#tilePatches6x2}). A vector used across
 *       blocks of a loop is likewise stored between blocks ({@link VectorOps#columnSums}).
 *   <li><b>Not boxed: a branch that reassigns a vector.</b> {@code if (relu) c00 = c00.max(0f)}
 *       after the K loop ({@link VectorGemmAB}, {@link VectorGemmPatches#tileShortRuns6x2}), inside
 *       the K loop, and {@code if (relu) grad = ...} in the max-pool backward loop all allocated 0
 *       bytes and ran within this machine's noise of the branch-free forms (per-run conv2 tile with
 *       the branch 56-67 GFLOP/s, with max(., floor) 59-67; pool1 backward 0.037- 0.041 vs
 *       0.040-0.046 ms). Earlier notes blamed such branches for a 2x slowdown of conv2 forward and
 *       for 30 MB per step in pooling; re-measured, the branch was not the cause (the conv2 fix
 *       that counted was three consecutive loops instead of one call per run: 86-97 vs 56-67
 *       GFLOP/s in the same harness). The branch-free forms ({@code max(., floor)} with floor 0 or
 *       -infinity, a mask made before the loop) are kept where they are: they cost nothing and need
 *       no re-measuring.
 *   <li><b>Register budget</b> (earlier sessions, AVX2, not repeated here). 12 accumulators + 2 B
 *       vectors + 1 broadcast = 15 of AVX2's 16 registers. More live vectors spilled: a 3x4 forward
 *       tile (17 live) ran 2x slower, and unrolling the 6x2 K loop by 4 dropped 45 to 28 GFLOP/s.
 *       {@link VectorGemmTPatches#tileTPatches3x4} also holds 17 (12 accumulators, 4 B vectors, 1
 *       broadcast) and is kept because it measured 2.7x faster than materializing conv1's patches
 *       (weight gradient 9.0 to 3.3 ms per batch-128 step). AVX-512 has 32 registers: there {@link
 *       VectorGemmTPatches#tileTPatches6x4} holds 29 (24 accumulators, 4 B vectors, 1 broadcast)
 *       and measured 1.3-1.45x the 6x2 tile with 0 bytes allocated; it is only chosen when the
 *       preferred species is 512 bits wide.
 *   <li><b>Bounds checks</b> (earlier sessions). C2 hoists the bounds check of {@code x[a + t]} out
 *       of a loop only when the offset is the loop index plus an invariant; an offset that jumps
 *       between runs keeps six checks per step, which is why long runs take one loop per run and
 *       only short ones (under {@code LONG_RUN}) the jumping loop.
 * </ol>
 *
 * <p>Tiles are written out by hand, not generated: each differs in where the accumulators start
 * (bias, zeros, C), how A is read (packed panel, patches, strided rows) and how they are stored
 * (overwrite, floor, add), and the code C2 compiles is the code a reader sees.
 */
final class VectorGemm implements Gemm {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();

  @Override
  public String name() {
    return "vector-" + S.vectorBitSize() + "bit-" + MR + "x2";
  }

  /** Columns per strip of packed B: the tile's two vectors. */
  static final int NR = 2 * L;

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
    VectorGemmAB.multiply(m, n, k, a, aOff, lda, aPacked, bp, bias, biasOff, relu, c, cOff, ldc);
  }

  /**
   * Dense products read the kernel B where it lies ({@link VectorGemmABUnpacked}) at every batch:
   * measured against packing B on this project's dense shapes (12,544 x 128 and 1,600 x 64, M = 8
   * to 256 rows, AVX-512), reading in place was 1.2-2.7x faster everywhere, because the packed copy
   * costs a write and a read of B that the K-blocked in-place product does not need.
   */
  @Override
  public void multiplyUnpacked(
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
    VectorGemmABUnpacked.multiply(
        m, n, k, a, aOff, lda, b, bOff, ldb, bias, biasOff, relu, c, cOff, ldc);
  }

  /**
   * Floats of B above which its packed transpose no longer stays in L2 between the panels that read
   * it (1 Mi floats, 4 MiB: the L2 of this project's AVX-512 machine, 2 MiB per core, twice over).
   */
  static final long LARGE_B = 1L << 20;

  /**
   * The input gradient dY W^T reads W in place ({@link VectorGemmABT}) when dY has at most one
   * vector of rows (B read once, no lane of the 12x1 tile wasted) or W is too large to stay in L2
   * packed. Measured against the packed transpose (AVX-512): 12,544 x 128 in place 2.4-2.6x faster
   * at M = 16 and 32, 1.4x at 64 and 128; 1,600 x 64 2.8x faster at M = 16 but 0.6-0.8x at 32 to
   * 128, where the packed copy fits in L2 and the transposed stores of C (one scalar per element)
   * cost more than the gather of the pack.
   */
  @Override
  public void multiplyTransposedB(
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
    if (m <= L || (long) n * k > LARGE_B) {
      VectorGemmABT.multiply(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    } else {
      Gemm.super.multiplyTransposedB(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
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
    VectorGemmATB.multiplyTransposedAccumulate(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
  }

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
    VectorGemmPatches.multiplyPatches(
        m, n, segs, runLength, runStride, x, rowBase, bp, bias, biasOff, relu, c, cOff, ldc);
  }

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
    if (VectorGemmAddToPatches.fits(runLength)) {
      VectorGemmAddToPatches.multiplyAddToPatches(
          m, segs, runLength, runStride, f, a, aOff, lda, bp, dx, rowBase);
    } else {
      Gemm.super.multiplyAddToPatches(
          m, segs, runLength, runStride, f, a, aOff, lda, bp, dx, rowBase);
    }
  }

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
    if (VectorGemmTPatches.fits(runLength, n)) {
      VectorGemmTPatches.multiplyTransposedPatchesAccumulate(
          m, n, segs, runLength, runStride, x, rowBase, b, bOff, ldb, c, cOff, ldc);
    } else {
      Gemm.super.multiplyTransposedPatchesAccumulate(
          m, n, segs, runLength, runStride, x, rowBase, b, bOff, ldb, c, cOff, ldc);
    }
  }
}
