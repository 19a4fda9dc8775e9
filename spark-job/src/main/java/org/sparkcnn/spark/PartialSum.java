package org.sparkcnn.spark;

import org.sparkcnn.core.model.BatchStats;

/**
 * The sum of the step results of partitions {@code [from, to)}, added in the canonical order of
 * {@link ReductionTree}: their gradient sums (one buffer, owned by whoever holds this record and
 * overwritten when it is added to), loss, count and correct sums, and the slowest partition's
 * compute time. A single partition's result is the leaf {@code [p, p + 1)}.
 */
record PartialSum(
    int from,
    int to,
    float[] gradientSum,
    double lossSum,
    long count,
    double correct,
    long slowestComputeNanos) {

  static PartialSum of(StepResult r) {
    return new PartialSum(
        r.partition(),
        r.partition() + 1,
        r.gradientSum(),
        r.lossSum(),
        r.count(),
        r.correct(),
        r.computeNanos());
  }

  /** The same node and stats with another gradient buffer (a slice of this one, or a copy). */
  PartialSum withGradient(float[] gradient) {
    return new PartialSum(from, to, gradient, lossSum, count, correct, slowestComputeNanos);
  }

  BatchStats stats() {
    return new BatchStats(lossSum, count, correct);
  }
}
