package org.sparkcnn.spark;

import java.io.Serializable;
import org.sparkcnn.core.model.BatchStats;

/**
 * A partition's contribution to one step: the SUM of its examples' loss gradients (the driver
 * divides the total by the global count) and its loss sum, example count and correct count.
 */
public record StepResult(int partition, float[] gradientSum, double lossSum, long count,
    double correct) implements Serializable {

  public BatchStats stats() {
    return new BatchStats(lossSum, count, correct);
  }
}
