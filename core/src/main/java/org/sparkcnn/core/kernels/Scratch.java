package org.sparkcnn.core.kernels;

/**
 * Per-thread scratch arrays of the fast kernels, one per slot, grown to the largest size asked
 * for and then reused: after the first step of a given batch size, kernels allocate nothing.
 * Each kernel call uses a slot for its own duration only, so slots are never shared between two
 * live uses on one thread.
 */
final class Scratch {
  /** Packed rows of A inside {@link Gemm#multiply}. */
  static final int GEMM_PANEL = 0;
  /** im2col block of a convolution. */
  static final int COLUMNS = 1;
  /** Transposed weights (conv and dense backward input). */
  static final int TRANSPOSED = 2;
  private static final int SLOTS = 3;
  private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

  private final float[][] arrays = new float[SLOTS][0];

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
}
