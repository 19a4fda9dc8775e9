package org.sparkcnn.spark;

import org.sparkcnn.core.model.BatchStats;

/**
 * Runs the synchronous steps of one epoch over the cached partitions. Implementations differ only
 * in how weights reach the partitions and gradients come back; all of them hand each step's results
 * to {@link StepApplier} in partition order, so they produce identical weights.
 */
interface EpochRunner extends AutoCloseable {
  /** Called once per step with every partition's result, in partition order. */
  interface StepApplier {
    /** Sums and applies the step; returns the weights for the next step. */
    float[] apply(StepResult[] byPartition);
  }

  /** A short name for logs and metrics: "driver-sync" or "jobs". */
  String name();

  /** Runs steps 0..S-1 of the epoch from {@code params}; returns the epoch's summed stats. */
  BatchStats runEpoch(int epoch, long firstGlobalStep, float[] params, StepApplier applier);

  @Override
  void close();
}
