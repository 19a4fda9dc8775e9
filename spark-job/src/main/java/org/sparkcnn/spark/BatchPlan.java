package org.sparkcnn.spark;

import java.util.Random;

/**
 * How a global mini-batch is split over partitions. With N examples in all and batch size B, an
 * epoch has S = ceil(N / B) steps; a partition holding n examples contributes the examples at
 * positions [floor(s * n / S), floor((s + 1) * n / S)) of its epoch order at step s. Every
 * partition therefore finishes its data at step S, each global batch holds B examples give or take
 * one per partition, and nothing couples the batch size to the number of cores.
 *
 * <p>The epoch order of a partition is a Fisher-Yates shuffle seeded by (seed, epoch, partition),
 * so the same seed and partitioning give the same batches on any cluster.
 */
public final class BatchPlan {
  private BatchPlan() {}

  public static int stepsPerEpoch(long totalExamples, int batchSize) {
    long steps = (totalExamples + batchSize - 1) / batchSize;
    if (steps > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many steps per epoch: " + steps);
    }
    return (int) steps;
  }

  /** First position (in the partition's epoch order) of the partition's share of step s. */
  public static int shareStart(int partitionSize, int steps, int step) {
    return (int) ((long) partitionSize * step / steps);
  }

  /** The partition's example order for an epoch. */
  public static int[] epochOrder(
      int partitionSize, long seed, int epoch, int partition, boolean shuffle) {
    int[] order = new int[partitionSize];
    for (int i = 0; i < partitionSize; i++) {
      order[i] = i;
    }
    if (shuffle) {
      Random rng = new Random(mix(seed, epoch, partition));
      for (int i = partitionSize - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** The seed of step s's dropout masks: the same on every partition. */
  public static long stepSeed(long seed, long globalStep) {
    return mix(seed, -1, globalStep);
  }

  static long mix(long a, long b, long c) {
    long z = a * 0x9E3779B97F4A7C15L ^ (b + 0x632BE59BD9B4E019L) * 0xBF58476D1CE4E5B9L ^ c;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
