package org.sparkcnn.core.layers;

/**
 * Counter-based random masks for {@link Dropout}: element e of example id gets a uniform number
 * from a hash of (seed, id, e), so masks need no shared generator state between threads or Spark
 * partitions and are reproducible from the seed alone.
 */
final class DropoutMask {
  private DropoutMask() {}

  /** Writes 1 / (1 - rate) for kept elements and 0 for dropped ones. */
  static void fill(float[] mask, int offset, int count, double rate, long seed, long exampleId) {
    float scale = (float) (1 / (1 - rate));
    long base = mix(seed, exampleId, 0x9E3779B97F4A7C15L);
    for (int e = 0; e < count; e++) {
      double u = (splitMix(base + e * 0xBF58476D1CE4E5B9L) >>> 11) * 0x1.0p-53;
      mask[offset + e] = u >= rate ? scale : 0f;
    }
  }

  static long mix(long a, long b, long c) {
    return splitMix(splitMix(a ^ 0x632BE59BD9B4E019L) ^ b) ^ splitMix(c);
  }

  /** SplitMix64's finaliser: a fast, well-mixed bijection on 64-bit values. */
  static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
