package org.sparkcnn.core.kernels;

/**
 * Per-thread scratch arrays of the fast kernels, one per slot, grown to the largest size asked
 * for and then reused: after the first step of a given batch size, kernels allocate nothing.
 * Each kernel call uses a slot for its own duration only, so slots are never shared between two
 * live uses on one thread.
 */
final class Scratch {
  /** A packed inside {@link Gemm#multiply} when the caller passes it row-major. */
  static final int GEMM_PANEL = 0;
  /** im2col block of a convolution. */
  static final int COLUMNS = 1;
  /** Packed B (the weights) of a kernel call. */
  static final int PACKED_B = 2;
  /** A tile cut by the edge of C, inside {@link Gemm#multiply}. */
  static final int TILE = 3;
  /** Per-block column sums (bias gradients). */
  static final int SUMS = 4;
  private static final int SLOTS = 5;
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
