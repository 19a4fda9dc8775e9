package org.sparkcnn.spark;

import org.sparkcnn.core.model.BatchStats;

/**
 * Runs the synchronous steps of one epoch over the cached partitions. Implementations differ only
 * in how weights reach the partitions and gradients come back; all of them add each step's results
 * in the order of {@link ReductionTree} and hand the sum to {@link StepApplier}, so they produce
 * identical weights.
 */
interface EpochRunner extends AutoCloseable {
  /** Called once per step with the sum of every partition's result. */
  interface StepApplier {
    /**
     * Applies the step whose partition results add up to {@code total} (partitions [0, P), added in
     * the canonical order; its gradient buffer is the applier's to overwrite until it returns);
     * returns the weights for the next step.
     */
    float[] apply(PartialSum total);
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
