package org.sparkcnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.labels.LabelMode;
import org.sparkcnn.spark.labels.Targets;

/**
 * Trains through an {@link EpochRunner} directly, as {@link DistributedTrainer} does (the runner's
 * summed gradient divided by the count, the model's optimizer applied), so a test can reach the
 * runner (its port, its failure count) and act before a given global step.
 */
final class RunnerHarness {
  private RunnerHarness() {}

  static TrainingPlan plan(Sequential m, long examples, int batch, long seed) {
    return new TrainingPlan(
        ModelSpec.toJson(m),
        "sparse_categorical_crossentropy",
        true,
        1.0 / 255,
        new Targets(LabelMode.INT, m.outputShape().size()),
        examples,
        batch,
        true,
        seed);
  }

  /**
   * Runs {@code epochs} epochs; calls {@code beforeApply} with the global step before each update.
   * Returns the final weights.
   */
  static float[] train(
      EpochRunner runner,
      Sequential model,
      TrainingPlan plan,
      int epochs,
      LongConsumer beforeApply) {
    float[] params = model.parameters();
    float[] grads = new float[params.length];
    long[] global = {0};
    for (int epoch = 0; epoch < epochs; epoch++) {
      runner.runEpoch(
          epoch,
          0,
          global[0],
          params,
          results -> {
            beforeApply.accept(global[0]++);
            System.arraycopy(results.gradientSum(), 0, grads, 0, grads.length);
            DistributedTrainer.scaleAndSquare(grads, DistributedTrainer.meanScale(results.count()));
            model.optimizer().apply(params, grads);
            return params;
          });
    }
    return params.clone();
  }

  /**
   * Runs one epoch with an applier that records each step's summed gradient and keeps the weights
   * (the star topology and the jobs mode only: in the sharded topology the executors apply the
   * optimizer themselves; see {@link #trainingSums}).
   */
  static List<float[]> gradientSums(EpochRunner runner, float[] params, List<BatchStats> stats) {
    List<float[]> sums = new ArrayList<>();
    runner.runEpoch(
        0,
        0,
        0,
        params,
        results -> {
          float[] sum = results.gradientSum().clone();
          BatchStats s = results.stats();
          sums.add(sum);
          stats.add(s);
          return params;
        });
    return sums;
  }

  /**
   * Trains {@code epochs} epochs as {@link #train} does and returns every step's summed gradient,
   * adding each step's stats to {@code stats}.
   */
  static List<float[]> trainingSums(
      EpochRunner runner, Sequential model, TrainingPlan plan, int epochs, List<BatchStats> stats) {
    List<float[]> sums = new ArrayList<>();
    EpochRunner recording =
        new EpochRunner() {
          @Override
          public String name() {
            return runner.name();
          }

          @Override
          public BatchStats runEpoch(
              int epoch, int fromStep, long firstGlobalStep, float[] params, StepApplier applier) {
            return runner.runEpoch(
                epoch,
                fromStep,
                firstGlobalStep,
                params,
                results -> {
                  sums.add(results.gradientSum().clone());
                  stats.add(results.stats());
                  return applier.apply(results);
                });
          }

          @Override
          public void close() {
            runner.close();
          }
        };
    train(recording, model, plan, epochs, g -> {});
    return sums;
  }
}
