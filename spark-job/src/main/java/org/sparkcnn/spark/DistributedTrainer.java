package org.sparkcnn.spark;

import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.MAX_TASK_FAILURES;
import static org.sparkcnn.core.settings.TrainingSettings.RESCALE;
import static org.sparkcnn.core.settings.TrainingSettings.SEED;
import static org.sparkcnn.core.settings.TrainingSettings.SHUFFLE;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC;
import static org.sparkcnn.core.settings.TrainingSettings.TIMEOUT_SECONDS;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.History;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.labels.Targets;

/**
 * Synchronous data-parallel training of a compiled {@link Sequential} on Spark. Every step: the
 * weights reach every partition, each partition computes the gradient sum of its share of the
 * global mini-batch ({@link BatchPlan}), the sums come back and are added in one fixed order
 * ({@link ReductionTree}), divided by the global count and applied by the model's optimizer on the
 * driver (in the sharded topology the executors also apply it to their shards, with the same bits).
 * The model object holds the trained weights afterwards.
 *
 * <p>Order of calls: construct with a compiled model → optionally {@link #resumeFrom}, {@link
 * #checkpoints}, {@link #guard}, {@link #onStep} → {@link #fit} (or {@link #evaluate}).
 *
 * <p>Each step is checked by the {@link DivergenceGuard} before its update is applied, so a
 * diverging run stops with the last good weights in the model and in the checkpoints.
 */
public final class DistributedTrainer {
  private static final Logger LOG = Logger.getLogger(DistributedTrainer.class.getName());

  private final JavaSparkContext jsc;
  private final Sequential model;
  private final TrainerOptions options;
  private final Targets targets;
  private final String spec;
  private ResumePoint start = ResumePoint.start();
  private CheckpointSink checkpoints;
  private DivergenceGuard guard = DivergenceGuard.defaults();
  private String syncTopology = "auto";
  private StepObserver observer;
  private double lastLoss;
  private double lastGradNorm;

  /** A trainer whose label mode is derived from the model's loss and output width. */
  public DistributedTrainer(JavaSparkContext jsc, Sequential model, TrainerOptions options) {
    this(jsc, model, options, null);
  }

  /**
   * A trainer turning the blocks' labels into targets with {@code targets} (null: the label mode
   * derived from the model's loss and output width).
   */
  public DistributedTrainer(
      JavaSparkContext jsc, Sequential model, TrainerOptions options, Targets targets) {
    if (model.loss() == null || model.optimizer() == null) {
      throw new IllegalStateException(
          model.describe()
              + " must be compiled with a loss and an "
              + "optimizer before distributed training");
    }
    this.jsc = jsc;
    this.model = model;
    this.options = options;
    int outputs = model.outputShape().size();
    this.targets = targets != null ? targets : Targets.of(null, model.loss().kerasName(), outputs);
    this.targets.mode().check(model.loss().kerasName(), outputs);
    if (this.targets.outputs() != outputs) {
      throw new IllegalArgumentException(
          this.targets.describe()
              + " does not fit "
              + model.describe()
              + " with "
              + outputs
              + " outputs");
    }
    this.spec = ModelSpec.toJson(model);
  }

  public Sequential model() {
    return model;
  }

  /** Continues a run from {@code point} (the model must already hold its weights and optimizer). */
  public DistributedTrainer resumeFrom(ResumePoint point) {
    this.start = point;
    return this;
  }

  /** Saves a checkpoint through {@code sink} every {@code sink.everySteps()} and at epoch ends. */
  public DistributedTrainer checkpoints(CheckpointSink sink) {
    this.checkpoints = sink;
    return this;
  }

  /** When to stop a diverging run; {@link DivergenceGuard#defaults()} unless set. */
  public DistributedTrainer guard(DivergenceGuard guard) {
    this.guard = guard;
    return this;
  }

  /**
   * How driver-sync moves weights and gradients: "star", "sharded" or "auto" (the default: {@link
   * SyncTopology#choose} from the executor count and the weights); the same weights either way.
   */
  public DistributedTrainer syncTopology(String topology) {
    if (!topology.equals("auto")) {
      SyncTopology.parse(topology);
    }
    this.syncTopology = topology;
    return this;
  }

  /** Called after every applied step (progress, tests). */
  public DistributedTrainer onStep(StepObserver observer) {
    this.observer = observer;
    return this;
  }

  /** Receives the run's state at checkpoint times; see {@link #checkpoints}. */
  public interface CheckpointSink {
    /** Steps between checkpoints within an epoch (counted in global steps); 0 = epoch ends only. */
    int everySteps();

    /** Stores the model's weights, its optimizer's state and {@code point}; may throw to stop. */
    void save(ResumePoint point);
  }

  /** Sees each step once it is applied. */
  public interface StepObserver {
    /**
     * @param epoch the epoch, from 0
     * @param step the step within the epoch, from 0
     * @param globalStep the step since the run began, from 0
     * @param loss the batch's mean loss (before the update)
     * @param gradNorm the L2 norm of the batch's mean gradient
     */
    void stepDone(int epoch, int step, long globalStep, double loss, double gradNorm);

    /** Before an epoch's first step (from {@code fromStep} when resuming), for progress bars. */
    default void epochStarted(int epoch, int fromStep, int steps) {}

    /** After {@link #stepDone}: the epoch's loss and accuracy sums over its steps so far. */
    default void epochSoFar(int epoch, int stepsDone, int steps, BatchStats soFar) {}
  }

  public Targets targets() {
    return targets;
  }

  /**
   * Trains on {@code train} (one {@link ImageBlock} per partition, ideally cached), validating on
   * {@code validation} (may be null) after each epoch. Returns the whole history, including the
   * epochs before a {@link #resumeFrom resume point}.
   */
  public List<EpochReport> fit(
      JavaRDD<ImageBlock> train, JavaRDD<ImageBlock> validation, Consumer<EpochReport> listener) {
    long total = count(train);
    if (total == 0) {
      throw ErrorText.problem("the training data is empty")
          .received("0 examples in " + train.getNumPartitions() + " partitions")
          .expected("at least one")
          .illegalArgument();
    }
    TrainingPlan plan = plan(total, options.get(SHUFFLE), options.get(SEED));
    int steps = plan.stepsPerEpoch();
    ResumePoint at = start;
    if (at.step() > steps || at.globalStep() != (long) at.epoch() * steps + at.step()) {
      throw ErrorText.problem("the resume point does not fit this data")
          .received(
              "epoch "
                  + (at.epoch() + 1)
                  + ", step "
                  + at.step()
                  + ", global step "
                  + at.globalStep())
          .expected(steps + " steps per epoch")
          .hint("the checkpoint was written for other data or batch size")
          .illegalArgument();
    }
    List<EpochReport> history = new ArrayList<>(at.history());
    float[] params = model.parameters();
    try (EpochRunner runner = runner(train, plan)) {
      LOG.info(
          "spark-cnn: training on "
              + total
              + " examples in "
              + train.getNumPartitions()
              + " partitions, "
              + steps
              + " steps per epoch, sync "
              + runner.name()
              + (at.globalStep() > 0
                  ? ", resuming at epoch " + (at.epoch() + 1) + " step " + at.step()
                  : ""));
      for (int epoch = at.epoch(); epoch < options.get(EPOCHS); epoch++) {
        int e = epoch;
        int fromStep = epoch == at.epoch() ? at.step() : 0;
        long firstGlobalStep = (long) epoch * steps;
        EpochProgress progress =
            new EpochProgress(fromStep, epoch == at.epoch() ? at.epochStats() : BatchStats.EMPTY);
        long started = System.nanoTime();
        StepTimer timer = new StepTimer(started);
        if (observer != null) {
          observer.epochStarted(epoch, fromStep, steps);
        }
        try (SparkJobs.Scope named =
            SparkJobs.describe(
                jsc.sc(),
                SparkJobs.Phase.TRAIN,
                "epoch "
                    + (epoch + 1)
                    + "/"
                    + options.get(EPOCHS)
                    + " steps "
                    + (fromStep + 1)
                    + "-"
                    + steps)) {
          runner.runEpoch(
              epoch,
              fromStep,
              firstGlobalStep,
              params,
              results -> {
                int step = progress.step;
                long global = firstGlobalStep + step;
                applyStep(results, params, e, step, steps, global);
                progress.stats = progress.stats.plus(results.stats());
                progress.step++;
                timer.stepDone(results);
                if (observer != null) {
                  observer.stepDone(e, step, global, lastLoss, lastGradNorm);
                  observer.epochSoFar(e, progress.step, steps, progress.stats);
                }
                int every = checkpoints == null ? 0 : checkpoints.everySteps();
                if (every > 0 && (global + 1) % every == 0 && progress.step < steps) {
                  checkpoints.save(
                      new ResumePoint(e, progress.step, global + 1, progress.stats, history));
                }
                return params;
              });
        }
        BatchStats stats = progress.stats;
        double trainSeconds = (System.nanoTime() - started) / 1e9;
        double teardownMillis = timer.millisSinceLastStep();
        double valLoss = Double.NaN;
        double valAcc = Double.NaN;
        long validationStarted = System.nanoTime();
        if (validation != null) {
          BatchStats v =
              SparkJobs.run(
                  jsc.sc(),
                  SparkJobs.Phase.VALIDATION,
                  "validation epoch " + (epoch + 1),
                  () -> evaluate(validation));
          valLoss = v.meanLoss();
          valAcc = model.accuracy() == null ? Double.NaN : v.accuracy();
        }
        History.Epoch figures =
            new History.Epoch(
                epoch + 1,
                options.get(EPOCHS),
                stats.meanLoss(),
                model.accuracy() == null ? Double.NaN : stats.accuracy(),
                valLoss,
                valAcc,
                stats.count(),
                trainSeconds);
        EpochReport report =
            new EpochReport(
                figures,
                steps,
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
        if (checkpoints != null) {
          checkpoints.save(
              new ResumePoint(epoch + 1, 0, firstGlobalStep + steps, BatchStats.EMPTY, history));
        }
      }
    }
    return history;
  }

  /** The epoch's applied steps and statistics so far, updated by the step applier. */
  private static final class EpochProgress {
    int step;
    BatchStats stats;

    EpochProgress(int step, BatchStats stats) {
      this.step = step;
      this.stats = stats;
    }
  }

  /**
   * Divides the partitions' summed gradient by the global count, checks the step against the {@link
   * DivergenceGuard} and applies the optimizer to {@code params} in place.
   */
  private void applyStep(
      PartialSum total, float[] params, int epoch, int step, int steps, long globalStep) {
    // The runner hands over the sum's buffer until the next step: scaled in place, no copy.
    float[] grads = total.gradientSum();
    double squares = scaleAndSquare(grads, meanScale(total.count()));
    double loss = total.lossSum() / total.count();
    guard.check(epoch, step, steps, globalStep, loss, squares);
    lastLoss = loss;
    lastGradNorm = Math.sqrt(squares);
    model.optimizer().apply(params, grads);
  }

  /**
   * What a step's summed gradient is multiplied by to make the mean gradient the optimizer takes:
   * the one expression the driver and the sharded topology's shard owners use, so that both compute
   * the same bits.
   */
  static float meanScale(long count) {
    return 1f / count;
  }

  /**
   * grads *= scale, returning the sum of the squared results. Eight accumulators let the sum keep
   * pace with the multiplications (one float sum is a chain of dependent adds, 4 cycles each, that
   * C2 does not vectorize; scripts/bench --section checkpoint measures the pass against the plain
   * scaling loop); NaN and infinity propagate into the sum, which is all the guard needs.
   */
  public static double scaleAndSquare(float[] grads, float scale) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float s4 = 0;
    float s5 = 0;
    float s6 = 0;
    float s7 = 0;
    int n = grads.length;
    int i = 0;
    for (; i + 7 < n; i += 8) {
      float a = grads[i] * scale;
      float b = grads[i + 1] * scale;
      float c = grads[i + 2] * scale;
      float d = grads[i + 3] * scale;
      float e = grads[i + 4] * scale;
      float f = grads[i + 5] * scale;
      float g = grads[i + 6] * scale;
      float h = grads[i + 7] * scale;
      grads[i] = a;
      grads[i + 1] = b;
      grads[i + 2] = c;
      grads[i + 3] = d;
      grads[i + 4] = e;
      grads[i + 5] = f;
      grads[i + 6] = g;
      grads[i + 7] = h;
      s0 += a * a;
      s1 += b * b;
      s2 += c * c;
      s3 += d * d;
      s4 += e * e;
      s5 += f * f;
      s6 += g * g;
      s7 += h * h;
    }
    for (; i < n; i++) {
      float a = grads[i] * scale;
      grads[i] = a;
      s0 += a * a;
    }
    return (double) s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
  }

  private EpochRunner runner(JavaRDD<ImageBlock> train, TrainingPlan plan) {
    int partitions = train.getNumPartitions();
    int slots = jsc.defaultParallelism();
    String sync = options.get(SYNC);
    if (sync.equals("auto")) {
      sync = partitions <= slots ? "driver-sync" : "jobs";
    } else if (sync.equals("driver-sync") && partitions > slots) {
      throw ErrorText.problem(
              "sync \"driver-sync\" runs all "
                  + partitions
                  + " partitions at once but the cluster has "
                  + slots
                  + " task slots")
          .received(partitions + " partitions")
          .expected("at most " + slots)
          .hint("repartition the data to the slots or use \"sync\": \"jobs\"")
          .illegalArgument();
    }
    if (!sync.equals("driver-sync")) {
      return new JobPerStepRunner(jsc, train, plan, options.get(TIMEOUT_SECONDS));
    }
    SyncTopology topology =
        syncTopology.equals("auto")
            ? SyncTopology.choose(ClusterRecovery.executors(jsc.sc()), model.paramCount())
            : SyncTopology.parse(syncTopology);
    if (syncTopology.equals("auto") && !SyncTopology.shardable(model.optimizer())) {
      topology = SyncTopology.STAR; // executors could not rebuild a user's optimizer class
    }
    return new DriverSyncRunner(
        jsc,
        train,
        plan,
        options.get(TIMEOUT_SECONDS),
        options.get(MAX_TASK_FAILURES),
        topology,
        model.optimizer());
  }

  /** What the tasks need to run this model on {@code rows} examples with these options. */
  private TrainingPlan plan(long rows, boolean shuffle, long seed) {
    return new TrainingPlan(
        spec,
        model.loss().kerasName(),
        model.accuracy() != null,
        options.get(RESCALE),
        targets,
        rows,
        options.get(BATCH_SIZE),
        shuffle,
        seed);
  }

  /** Loss and accuracy sums over every example of {@code data}, with the current weights. */
  public BatchStats evaluate(JavaRDD<ImageBlock> data) {
    Broadcast<float[]> weights = jsc.broadcast(model.parameters());
    // Evaluation reads each partition in order: no shuffle; the row count does not matter.
    TrainingPlan plan = plan(1, false, 0);
    int batch = Math.max(options.get(BATCH_SIZE), 256);
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
                    float[] y = new float[Math.min(batch, b.size()) * plan.targets().width()];
                    long[] ids = new long[Math.min(batch, b.size())];
                    for (int from = 0; from < b.size(); from += batch) {
                      int to = Math.min(b.size(), from + batch);
                      b.gather(order, from, to, plan.rescale(), plan.targets(), x, y, ids);
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
      throw ErrorText.problem("cannot evaluate on empty data")
          .received("0 examples")
          .expected("at least one")
          .illegalArgument();
    }
    return total;
  }

  private static long count(JavaRDD<ImageBlock> blocks) {
    return SparkJobs.run(
        blocks.context(),
        SparkJobs.Phase.DATA,
        "count training examples",
        () -> blocks.map(b -> (long) b.size()).fold(0L, Long::sum));
  }
}
