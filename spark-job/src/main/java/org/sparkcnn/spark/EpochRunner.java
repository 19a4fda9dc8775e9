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

  /**
   * Runs steps {@code fromStep}..S-1 of the epoch from {@code params} ({@code fromStep} > 0 when a
   * run resumes mid-epoch); returns the summed stats of the steps run. {@code firstGlobalStep} is
   * the global step of the epoch's step 0. An exception from the applier stops the epoch at once.
   */
  BatchStats runEpoch(
      int epoch, int fromStep, long firstGlobalStep, float[] params, StepApplier applier);

  @Override
  void close();
}
