package org.sparkcnn.spark;

import java.util.Arrays;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.Sequential;

/**
 * Computes one partition's share of successive steps of an epoch, on the task's thread, reusing its
 * buffers from step to step.
 */
final class PartitionStepper {
  private final TrainingPlan plan;
  private final ImageBlock block;
  private final int partition;
  private final Sequential model;
  private final int steps;
  private int[] order;
  private int orderEpoch = -1;
  private float[] x = new float[0];
  private float[] y = new float[0];
  private long[] ids = new long[0];

  PartitionStepper(TrainingPlan plan, ImageBlock block, int partition) {
    this.plan = plan;
    this.block = block;
    this.partition = partition;
    this.model = ExecutorModels.get(plan);
    this.steps = plan.stepsPerEpoch();
  }

  /** The length of the weight and gradient vectors a step takes and fills. */
  int paramCount() {
    return model.paramCount();
  }

  private String describeIds(int n) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < Math.min(n, 16); i++) {
      s.append(i == 0 ? "" : ", ").append(ids[i]);
    }
    return s.append(n > 16 ? ", ...]" : "]").toString();
  }

  /**
   * This partition's gradient sum for step {@code step} of {@code epoch}, written into {@code grad}
   * (overwritten), and its stats.
   */
  StepResult step(float[] params, int epoch, int step, long globalStep, float[] grad) {
    if (orderEpoch != epoch) {
      order = BatchPlan.epochOrder(block.size(), plan.seed(), epoch, partition, plan.shuffle());
      orderEpoch = epoch;
    }
    int from = BatchPlan.shareStart(block.size(), steps, step);
    int to = BatchPlan.shareStart(block.size(), steps, step + 1);
    long started = System.nanoTime();
    Arrays.fill(grad, 0f);
    if (from == to) {
      return new StepResult(partition, grad, 0, 0, 0, 0);
    }
    int n = to - from;
    if (x.length < n * block.imageSize()) {
      x = new float[n * block.imageSize()];
      y = new float[n * plan.targets().width()];
      ids = new long[n];
    }
    block.gather(order, from, to, plan.rescale(), plan.targets(), x, y, ids);
    StepContext ctx = new StepContext(true, BatchPlan.stepSeed(plan.seed(), globalStep), ids);
    BatchStats s;
    try {
      s = model.computeGradient(params, x, y, n, ctx, grad);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "rows "
              + describeIds(n)
              + " of partition "
              + partition
              + " (examples of the batch are numbered from 0 in this order): "
              + e.getMessage(),
          e);
    }
    return new StepResult(
        partition, grad, s.lossSum(), s.count(), s.correct(), System.nanoTime() - started);
  }
}
