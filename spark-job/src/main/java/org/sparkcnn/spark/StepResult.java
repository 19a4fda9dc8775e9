package org.sparkcnn.spark;

import java.io.Serializable;
import org.sparkcnn.core.model.BatchStats;

/**
 * A partition's contribution to one step: the SUM of its examples' loss gradients (the driver
 * divides the total by the global count), its loss sum, example count and correct count, and how
 * long the partition computed (the rest of a step's wall time is synchronisation overhead).
 */
public record StepResult(
    int partition,
    float[] gradientSum,
    double lossSum,
    long count,
    double correct,
    long computeNanos)
    implements Serializable {

  public BatchStats stats() {
    return new BatchStats(lossSum, count, correct);
  }
}
