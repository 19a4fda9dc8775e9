package org.sparkcnn.spark;

import java.io.Serializable;

/**
 * Everything an executor needs to compute its share of a step, sent once per job: the model spec
 * (Keras JSON, rebuilt and cached per JVM), the loss, how pixels become inputs, and the batch
 * plan's parameters.
 */
public record TrainingPlan(
    String modelSpec,
    String loss,
    boolean accuracy,
    double rescale,
    long totalExamples,
    int batchSize,
    boolean shuffle,
    long seed)
    implements Serializable {

  public int stepsPerEpoch() {
    return BatchPlan.stepsPerEpoch(totalExamples, batchSize);
  }
}
