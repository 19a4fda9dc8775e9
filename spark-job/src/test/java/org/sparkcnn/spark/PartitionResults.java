package org.sparkcnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tests only: partition results whose sums show the order of their additions. */
final class PartitionResults {
  private PartitionResults() {}

  /**
   * Gradients of {@code n} floats per partition whose magnitudes differ by up to 2^60, so that a
   * different order of additions gives different bits.
   */
  static float[][] results(int partitions, int n, long seed) {
    Random r = new Random(seed);
    float[][] g = new float[partitions][n];
    for (float[] v : g) {
      for (int i = 0; i < n; i++) {
        v[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(61) - 30));
      }
    }
    return g;
  }

  /** Partition p's result (a copy), with stats that tell partitions apart. */
  static PartialSum leaf(float[][] g, int p) {
    return new PartialSum(p, p + 1, g[p].clone(), p * 0.1, p + 1, p, 10L * p);
  }

  /** The tree over [0, P) from its leaves. */
  static PartialSum flat(float[][] g) {
    List<PartialSum> leaves = new ArrayList<>();
    for (int p = 0; p < g.length; p++) {
      leaves.add(leaf(g, p));
    }
    return ReductionTree.reduce(leaves, 0, g.length);
  }
}
