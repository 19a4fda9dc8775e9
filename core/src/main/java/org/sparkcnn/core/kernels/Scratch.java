package org.sparkcnn.core.kernels;

/**
 * Per-thread scratch arrays of the fast kernels, one per slot, grown to the largest size asked for
 * and then reused: after the first step of a given batch size, kernels allocate nothing. Each
 * kernel call uses a slot for its own duration only, so slots are never shared between two live
 * uses on one thread.
 */
final class Scratch {
  /** A packed inside {@link Gemm#multiply} when the caller passes it row-major. */
  static final int GEMM_PANEL = 0;

  /** A materialized im2col block, in the plain implicit-im2col products of {@link Gemm}. */
  static final int COLUMNS = 1;

  /** Packed B (the weights) of a kernel call. */
  static final int PACKED_B = 2;

  /** A tile cut by the edge of C, inside {@link Gemm#multiply}. */
  static final int TILE = 3;

  /** Per-block column sums (bias gradients). */
  static final int SUMS = 4;

  /** A convolution's zero-padded input or input gradient ({@link PatchSource}). */
  static final int PADDED = 5;

  /**
   * C's accumulators (or C^T's) of the products that read B in place, and A^T packed for them
   * ({@code VectorGemmABUnpacked}, {@code VectorGemmABT}).
   */
  static final int SMALL_C = 6;

  private static final int SLOTS = 7;
  private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

  private final float[][] arrays = new float[SLOTS][0];
  private int[] rowBases = new int[0];

  static Scratch get() {
    return LOCAL.get();
  }

  /** A float array of at least {@code size} elements for this slot; contents are undefined. */
  float[] floats(int slot, int size) {
    float[] a = arrays[slot];
    if (a.length < size) {
      a = new float[size];
      arrays[slot] = a;
    }
    return a;
  }

  /** The patch offsets of a block of output pixels ({@link PatchSource#rowBases}). */
  int[] rowBases(int size) {
    if (rowBases.length < size) {
      rowBases = new int[size];
    }
    return rowBases;
  }
}
