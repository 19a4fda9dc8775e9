package org.sparkcnn.spark;

import static org.sparkcnn.core.settings.TrainingSettings.TIMEOUT_SECONDS;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.model.BatchStats;

/**
 * The plain way: one Spark job per step. The driver broadcasts the weights, every partition returns
 * its share's gradient sum, the driver collects them, adds them in the canonical order ({@link
 * ReductionTree}, so the sum is the same bits as in driver-sync), applies the step and destroys the
 * broadcast. Works with any number of partitions and slots; costs a job's scheduling (~10-20 ms in
 * local mode) per step.
 */
final class JobPerStepRunner implements EpochRunner {
  private final JavaSparkContext jsc;
  private final JavaRDD<ImageBlock> blocks;
  private final TrainingPlan plan;
  private final int partitions;
  private final int timeoutSeconds;

  /** The partitions whose task returned this step (merged as each task ends), for timeouts. */
  private final CollectionAccumulator<Integer> finished = new CollectionAccumulator<>();

  JobPerStepRunner(JavaSparkContext jsc, JavaRDD<ImageBlock> blocks, TrainingPlan plan) {
    this(jsc, blocks, plan, TIMEOUT_SECONDS.defaultValue());
  }

  /** {@code timeoutSeconds} bounds each step's job; a step that takes longer is cancelled. */
  JobPerStepRunner(
      JavaSparkContext jsc, JavaRDD<ImageBlock> blocks, TrainingPlan plan, int timeoutSeconds) {
    this.jsc = jsc;
    this.blocks = blocks;
    this.plan = plan;
    this.partitions = blocks.getNumPartitions();
    this.timeoutSeconds = timeoutSeconds;
    jsc.sc().register(finished);
  }

  @Override
  public String name() {
    return "jobs";
  }

  @Override
  public BatchStats runEpoch(
      int epoch, int fromStep, long firstGlobalStep, float[] params, StepApplier applier) {
    BatchStats total = BatchStats.EMPTY;
    TrainingPlan p = plan;
    for (int step = fromStep; step < plan.stepsPerEpoch(); step++) {
      Broadcast<float[]> weights = jsc.broadcast(params);
      finished.reset();
      CollectionAccumulator<Integer> done = finished;
      int s = step;
      long global = firstGlobalStep + step;
      JavaFutureAction<List<StepResult>> job =
          blocks
              .mapPartitionsWithIndex(
                  (partition, it) -> {
                    ImageBlock block = it.next();
                    PartitionStepper stepper = StepperCache.get(p, block, partition);
                    float[] w = weights.value();
                    StepResult r = stepper.step(w, epoch, s, global, new float[w.length]);
                    done.add(partition);
                    return Collections.singletonList(r).iterator();
                  },
                  true)
              .collectAsync();
      List<StepResult> results;
      try {
        results = job.get(timeoutSeconds, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        String running = unfinished();
        job.cancel(true);
        throw new TrainingFailedException(
            ErrorText.problem(
                    "the step's job did not finish within timeout_seconds=" + timeoutSeconds)
                .in(
                    "spark-cnn training stopped in epoch "
                        + (epoch + 1)
                        + ", step "
                        + (s + 1)
                        + " of "
                        + plan.stepsPerEpoch())
                .received(running)
                .expected("every partition's gradient within timeout_seconds")
                .hint(
                    "check the Spark UI for a stuck task or a starved or frozen executor, or"
                        + " raise timeout_seconds")
                .text(),
            e);
      } catch (InterruptedException e) {
        job.cancel(true);
        Thread.currentThread().interrupt();
        throw new TrainingFailedException("spark-cnn training interrupted", e);
      } catch (ExecutionException e) {
        throw new IllegalArgumentException(
            "spark-cnn training failed in epoch "
                + (epoch + 1)
                + ", step "
                + (s + 1)
                + " of "
                + plan.stepsPerEpoch()
                + ": "
                + SparkErrors.rootMessage(e),
            e.getCause());
      } finally {
        weights.destroy();
      }
      List<PartialSum> leaves = new ArrayList<>(results.size());
      for (StepResult r : results) {
        leaves.add(PartialSum.of(r));
      }
      PartialSum sum = ReductionTree.reduce(leaves, 0, partitions);
      total = total.plus(sum.stats());
      params = applier.apply(sum);
    }
    return total;
  }

  /** "no result from partitions [1, 4] of 8", from the partitions that reported back. */
  private String unfinished() {
    List<Integer> missing = new ArrayList<>();
    List<Integer> done = finished.value();
    for (int p = 0; p < partitions; p++) {
      if (!done.contains(p)) {
        missing.add(p);
      }
    }
    return "no result from partition"
        + (missing.size() == 1 ? " " : "s ")
        + missing
        + " of "
        + partitions;
  }

  @Override
  public void close() {}
}
