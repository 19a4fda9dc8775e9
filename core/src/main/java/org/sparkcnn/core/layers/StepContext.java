package org.sparkcnn.core.layers;

/**
 * What a forward pass needs to know about the step it belongs to.
 *
 * @param training true in fit (dropout active), false in evaluate and predict
 * @param seed the randomness of this step: dropout masks are a pure function of (seed, example id,
 *     element), so the same global batch gives the same masks however it is split
 * @param exampleIds global ids of the batch's examples, or null to use 0..n-1
 */
public record StepContext(boolean training, long seed, long[] exampleIds) {
  public static final StepContext INFERENCE = new StepContext(false, 0, null);

  public long exampleId(int indexInBatch) {
    return exampleIds == null ? indexInBatch : exampleIds[indexInBatch];
  }
}
