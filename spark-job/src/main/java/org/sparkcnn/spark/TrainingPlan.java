package org.sparkcnn.spark;

import java.io.Serializable;
import org.sparkcnn.spark.labels.Targets;

/**
 * Everything an executor needs to compute its share of a step, sent once per job: the model spec
 * (Keras JSON, rebuilt and cached per JVM), the loss, how pixels become inputs and labels targets,
 * and the batch plan's parameters.
 */
public record TrainingPlan(
    String modelSpec,
    String loss,
    boolean accuracy,
    double rescale,
    Targets targets,
    long totalExamples,
    int batchSize,
    boolean shuffle,
    long seed)
    implements Serializable {

  public int stepsPerEpoch() {
    return BatchPlan.stepsPerEpoch(totalExamples, batchSize);
  }
}
