package org.sparkcnn.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.Sequential;

/**
 * Synchronous data-parallel training of a compiled {@link Sequential} on Spark. Every step: the
 * weights reach every partition, each partition computes the gradient sum of its share of the
 * global mini-batch ({@link BatchPlan}), the sums come back and are added in partition order,
 * divided by the global count and applied by the model's optimizer, whose state stays on the
 * driver. The model object holds the trained weights afterwards.
 *
 * <p>Order of calls: construct with a compiled model → {@link #fit} (or {@link #evaluate}).
 */
public final class DistributedTrainer {
  private static final Logger LOG = Logger.getLogger(DistributedTrainer.class.getName());

  private final JavaSparkContext jsc;
  private final Sequential model;
  private final TrainerOptions options;
  private final String spec;

  public DistributedTrainer(JavaSparkContext jsc, Sequential model, TrainerOptions options) {
    if (model.loss() == null || model.optimizer() == null) {
      throw new IllegalStateException(
          model.describe()
              + " must be compiled with a loss and an "
              + "optimizer before distributed training");
    }
    this.jsc = jsc;
    this.model = model;
    this.options = options;
    this.spec = ModelSpec.toJson(model);
  }

  public Sequential model() {
    return model;
  }

  /**
   * Trains on {@code train} (one {@link ImageBlock} per partition, ideally cached), validating on
   * {@code validation} (may be null) after each epoch.
   */
  public List<EpochReport> fit(
      JavaRDD<ImageBlock> train, JavaRDD<ImageBlock> validation, Consumer<EpochReport> listener) {
    long total = count(train);
    if (total == 0) {
      throw new IllegalArgumentException(
          "the training data is empty; received 0 examples in "
              + train.getNumPartitions()
              + " partitions, expected at least one");
    }
    TrainingPlan plan =
        new TrainingPlan(
            spec,
            model.loss().kerasName(),
            model.accuracy() != null,
            options.rescale(),
            total,
            options.batchSize(),
            options.shuffle(),
            options.seed());
    List<EpochReport> history = new ArrayList<>();
    float[] params = model.parameters();
    float[] grads = new float[params.length];
    try (EpochRunner runner = runner(train, plan)) {
      LOG.info(
          "spark-cnn: training on "
              + total
              + " examples in "
              + train.getNumPartitions()
              + " partitions, "
              + plan.stepsPerEpoch()
              + " steps per epoch, sync "
              + runner.name());
      long globalStep = model.optimizer().iterations();
      for (int epoch = 0; epoch < options.epochs(); epoch++) {
        long started = System.nanoTime();
        StepTimer timer = new StepTimer(started);
        BatchStats stats =
            runner.runEpoch(
                epoch,
                globalStep,
                params,
                results -> {
                  applyStep(results, params, grads);
                  timer.stepDone(results);
                  return params;
                });
        double trainSeconds = (System.nanoTime() - started) / 1e9;
        double teardownMillis = timer.millisSinceLastStep();
        globalStep += plan.stepsPerEpoch();
        double valLoss = Double.NaN;
        double valAcc = Double.NaN;
        long validationStarted = System.nanoTime();
        if (validation != null) {
          BatchStats v = evaluate(validation);
          valLoss = v.meanLoss();
          valAcc = model.accuracy() == null ? Double.NaN : v.accuracy();
        }
        EpochReport report =
            new EpochReport(
                epoch + 1,
                options.epochs(),
                stats.meanLoss(),
                model.accuracy() == null ? Double.NaN : stats.accuracy(),
                valLoss,
                valAcc,
                stats.count(),
                plan.stepsPerEpoch(),
                trainSeconds,
                (System.nanoTime() - validationStarted) / 1e9,
                runner.name(),
                timer.slowestComputeMillisPerStep(),
                timer.overheadMillisPerStep(),
                timer.startupMillis(),
                teardownMillis,
                timer.steadyMillisPerStep());
        history.add(report);
        if (listener != null) {
          listener.accept(report);
        }
      }
    }
    return history;
  }

  /**
   * Adds the partitions' gradient sums in partition order, divides by the global count and applies
   * the optimizer to {@code params} in place.
   */
  private float[] applyStep(StepResult[] results, float[] params, float[] grads) {
    long count = 0;
    System.arraycopy(results[0].gradientSum(), 0, grads, 0, grads.length);
    count += results[0].count();
    for (int p = 1; p < results.length; p++) {
      float[] g = results[p].gradientSum();
      for (int i = 0; i < grads.length; i++) {
        grads[i] += g[i];
      }
      count += results[p].count();
    }
    float scale = 1f / count;
    for (int i = 0; i < grads.length; i++) {
      grads[i] *= scale;
    }
    model.optimizer().apply(params, grads);
    return params;
  }

  private EpochRunner runner(JavaRDD<ImageBlock> train, TrainingPlan plan) {
    int partitions = train.getNumPartitions();
    int slots = jsc.defaultParallelism();
    String sync = options.sync();
    if (sync.equals("auto")) {
      sync = partitions <= slots ? "driver-sync" : "jobs";
    } else if (sync.equals("driver-sync") && partitions > slots) {
      throw new IllegalArgumentException(
          "sync \"driver-sync\" runs all "
              + partitions
              + " partitions at once but the cluster has "
              + slots
              + " task slots; received "
              + partitions
              + " partitions, expected at most "
              + slots
              + ". Repartition the data to the slots or use \"sync\": \"jobs\"");
    }
    return sync.equals("driver-sync")
        ? new DriverSyncRunner(jsc, train, plan, options.timeoutSeconds())
        : new JobPerStepRunner(jsc, train, plan);
  }

  /** Loss and accuracy sums over every example of {@code data}, with the current weights. */
  public BatchStats evaluate(JavaRDD<ImageBlock> data) {
    Broadcast<float[]> weights = jsc.broadcast(model.parameters());
    TrainingPlan plan =
        new TrainingPlan(
            spec,
            model.loss().kerasName(),
            model.accuracy() != null,
            options.rescale(),
            1,
            options.batchSize(),
            false,
            0);
    int batch = Math.max(options.batchSize(), 256);
    List<StepResult> parts =
        data.mapPartitionsWithIndex(
                (partition, it) -> {
                  Sequential m = ExecutorModels.get(plan);
                  float[] w = weights.value();
                  double loss = 0;
                  long count = 0;
                  double correct = 0;
                  while (it.hasNext()) {
                    ImageBlock b = it.next();
                    int[] order = BatchPlan.epochOrder(b.size(), 0, 0, 0, false);
                    float[] x = new float[Math.min(batch, b.size()) * b.imageSize()];
                    float[] y = new float[Math.min(batch, b.size())];
                    long[] ids = new long[y.length];
                    for (int from = 0; from < b.size(); from += batch) {
                      int to = Math.min(b.size(), from + batch);
                      b.gather(order, from, to, plan.rescale(), x, y, ids);
                      BatchStats s = m.computeLoss(w, x, y, to - from);
                      loss += s.lossSum();
                      count += s.count();
                      correct += s.correct();
                    }
                  }
                  return Collections.singletonList(
                          new StepResult(partition, new float[0], loss, count, correct, 0))
                      .iterator();
                },
                true)
            .collect();
    weights.destroy();
    BatchStats total = BatchStats.EMPTY;
    for (StepResult r : parts) {
      total = total.plus(r.stats());
    }
    if (total.count() == 0) {
      throw new IllegalArgumentException("cannot evaluate on empty data; received 0 examples");
    }
    return total;
  }

  private static long count(JavaRDD<ImageBlock> blocks) {
    return blocks.map(b -> (long) b.size()).fold(0L, Long::sum);
  }
}
