package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC;
import static org.sparkcnn.spark.testing.GradientAsserts.assertClose;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.History;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.settings.TrainingSettings;
import org.sparkcnn.spark.labels.LabelMode;
import org.sparkcnn.spark.labels.Targets;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.SparkSessionTest.TaskSlots;

/**
 * The synchronous guarantee: for the same weights and global batch, the gradient summed over
 * partitions equals the single-JVM gradient of the whole batch to float rounding, whatever the
 * partitioning and sync mode; and a few steps of distributed Adam equal the same steps in one JVM.
 */
@TaskSlots(3)
class SynchronousGuaranteeTest extends SparkSessionTest {

  private static final int[][] PARTITIONINGS = {{23}, {15, 8}, {7, 12, 4}};
  private static final int BATCH = 8;
  private static final long SEED = 5;

  private static JavaRDD<ImageBlock> rdd(List<ImageBlock> blocks) {
    return jsc.parallelize(blocks, blocks.size()).cache();
  }

  /** All partitions' rows in the same 23-example order, whatever the partitioning. */
  private static List<ImageBlock> partitioned(int[] sizes) {
    ImageBlock all = TestBlocks.blocks(1, 23).get(0);
    List<ImageBlock> out = new ArrayList<>();
    int from = 0;
    for (int n : sizes) {
      int size = all.imageSize();
      out.add(
          new ImageBlock(
              all.height,
              all.width,
              all.channels,
              Arrays.copyOfRange(all.pixels, from * size, (from + n) * size),
              Arrays.copyOfRange(all.labels, from, from + n),
              Arrays.copyOfRange(all.ids, from, from + n)));
      from += n;
    }
    return out;
  }

  /** The single-JVM gradient sum of the global batch of step s: every partition's share. */
  private static float[] singleJvmGradient(
      Sequential m,
      float[] params,
      List<ImageBlock> blocks,
      TrainingPlan plan,
      int epoch,
      int step,
      long globalStep,
      BatchStats[] stats) {
    int total = 0;
    for (ImageBlock b : blocks) {
      total +=
          BatchPlan.shareStart(b.size(), plan.stepsPerEpoch(), step + 1)
              - BatchPlan.shareStart(b.size(), plan.stepsPerEpoch(), step);
    }
    int size = blocks.get(0).imageSize();
    float[] x = new float[total * size];
    float[] y = new float[total];
    long[] ids = new long[total];
    int at = 0;
    for (int p = 0; p < blocks.size(); p++) {
      ImageBlock b = blocks.get(p);
      int[] order = BatchPlan.epochOrder(b.size(), plan.seed(), epoch, p, plan.shuffle());
      int from = BatchPlan.shareStart(b.size(), plan.stepsPerEpoch(), step);
      int to = BatchPlan.shareStart(b.size(), plan.stepsPerEpoch(), step + 1);
      float[] px = new float[(to - from) * size];
      float[] py = new float[to - from];
      long[] pids = new long[to - from];
      b.gather(order, from, to, plan.rescale(), plan.targets(), px, py, pids);
      System.arraycopy(px, 0, x, at * size, px.length);
      System.arraycopy(py, 0, y, at, py.length);
      System.arraycopy(pids, 0, ids, at, pids.length);
      at += to - from;
    }
    float[] grad = new float[params.length];
    stats[0] =
        m.computeGradient(
            params,
            x,
            y,
            total,
            new StepContext(true, BatchPlan.stepSeed(plan.seed(), globalStep), ids),
            grad);
    return grad;
  }

  private static TrainingPlan plan(Sequential m) {
    return new TrainingPlan(
        ModelSpec.toJson(m),
        "sparse_categorical_crossentropy",
        true,
        1.0 / 255,
        new Targets(LabelMode.INT, TestBlocks.CLASSES),
        23,
        BATCH,
        true,
        SEED);
  }

  @ParameterizedTest(name = "partitioning {0}")
  @ValueSource(ints = {0, 1, 2})
  void distributedGradientEqualsSingleJvmGradient(int which) {
    List<ImageBlock> blocks = partitioned(PARTITIONINGS[which]);
    Sequential m = TestBlocks.model(3);
    float[] params = m.parameters().clone();
    TrainingPlan plan = plan(m);
    JavaRDD<ImageBlock> data = rdd(blocks);
    List<BatchStats> jobStats = new ArrayList<>();
    List<BatchStats> syncStats = new ArrayList<>();
    List<float[]> viaJobs;
    List<float[]> viaDriver;
    try (EpochRunner jobs = new JobPerStepRunner(jsc, data, plan);
        EpochRunner driver = new DriverSyncRunner(jsc, data, plan, 60)) {
      viaJobs = RunnerHarness.gradientSums(jobs, params, jobStats);
      viaDriver = RunnerHarness.gradientSums(driver, params, syncStats);
    }
    assertEquals(plan.stepsPerEpoch(), viaJobs.size());
    for (int step = 0; step < plan.stepsPerEpoch(); step++) {
      BatchStats[] single = new BatchStats[1];
      float[] expected = singleJvmGradient(m, params, blocks, plan, 0, step, step, single);
      assertArrayEquals(
          viaJobs.get(step),
          viaDriver.get(step),
          "both sync modes add the partition sums in the same tree: identical bits");
      assertClose(expected, viaJobs.get(step), "step " + step);
      assertEquals(single[0].count(), jobStats.get(step).count());
      assertEquals(single[0].lossSum(), jobStats.get(step).lossSum(), 1e-4);
      assertEquals(single[0].correct(), jobStats.get(step).correct(), 0);
    }
  }

  /**
   * Every way Spark could place three partitions on executors (all in one JVM, each alone, {0, 2}
   * with {1}, {0, 1} with {2}), in either topology, gives the jobs mode's bits, step by step, over
   * two epochs of Adam (in the sharded topology the executors apply it to their shards, the second
   * launch from the driver's moments).
   */
  @Test
  void everyExecutorTopologyGivesTheSameBits() {
    List<ImageBlock> blocks = partitioned(PARTITIONINGS[2]);
    TrainingPlan plan = plan(TestBlocks.model(3));
    JavaRDD<ImageBlock> data = rdd(blocks);
    List<float[]> expected;
    List<BatchStats> expectedStats = new ArrayList<>();
    Sequential reference = TestBlocks.model(3);
    try (EpochRunner jobs = new JobPerStepRunner(jsc, data, plan)) {
      expected = RunnerHarness.trainingSums(jobs, reference, plan, 2, expectedStats);
    }
    IntUnaryOperator[] splits = {
      null, p -> p, p -> p % 2, p -> p / 2,
    };
    String[] names = {"one JVM", "one JVM each", "{0, 2} {1}", "{0, 1} {2}"};
    int[] connections = {1, 3, 2, 2};
    try {
      for (SyncTopology topology : SyncTopology.values()) {
        for (int t = 0; t < splits.length; t++) {
          DriverSyncRunner.testGroups = splits[t];
          String what = names[t] + ", " + topology;
          List<BatchStats> stats = new ArrayList<>();
          List<float[]> got;
          Sequential m = TestBlocks.model(3);
          int n = m.paramCount();
          try (DriverSyncRunner driver =
              new DriverSyncRunner(jsc, data, plan, 60, 1, topology, m.optimizer())) {
            got = RunnerHarness.trainingSums(driver, m, plan, 2, stats);
            assertEquals(connections[t], driver.connectionsOfLastLaunch(), what);
            long[] bytes = driver.driverBytes();
            long steps = got.size();
            if (topology == SyncTopology.SHARDED) {
              // Each step's sums come in once (plus headers); the weights go out once per launch,
              // with Adam's two moments in the second epoch's: never per step.
              long headers = 256L * steps * connections[t];
              assertTrue(bytes[1] <= 4 * n * steps + headers, what + ": " + bytes[1]);
              assertTrue(bytes[0] <= 4L * n * (1 + 3) + 2048L * connections[t], what);
            } else {
              assertTrue(bytes[0] >= 4L * n * steps * connections[t], what + ": " + bytes[0]);
            }
          }
          assertEquals(expected.size(), got.size());
          for (int step = 0; step < got.size(); step++) {
            assertArrayEquals(expected.get(step), got.get(step), what + ", step " + step);
            assertEquals(expectedStats.get(step), stats.get(step), what + ", step " + step);
          }
          assertArrayEquals(reference.parameters(), m.parameters(), what);
        }
      }
    } finally {
      DriverSyncRunner.testGroups = null;
    }
  }

  @Test
  void threeStepsOfDistributedAdamEqualThreeStepsInOneJvm() {
    List<ImageBlock> blocks = partitioned(PARTITIONINGS[2]);
    Sequential distributed = TestBlocks.model(9);
    TrainerOptions options =
        TrainerOptions.defaults()
            .with(BATCH_SIZE, BATCH)
            .with(TrainingSettings.SEED, SEED)
            .with(EPOCHS, 1);
    new DistributedTrainer(jsc, distributed, options).fit(rdd(blocks), null, null);
    assertEquals(3, distributed.optimizer().iterations());

    Sequential single = TestBlocks.model(9);
    float[] params = single.parameters();
    Adam adam = new Adam(0.01);
    TrainingPlan plan = plan(single);
    for (int step = 0; step < 3; step++) {
      BatchStats[] stats = new BatchStats[1];
      float[] grad = singleJvmGradient(single, params, blocks, plan, 0, step, step, stats);
      for (int i = 0; i < grad.length; i++) {
        grad[i] /= stats[0].count();
      }
      adam.apply(params, grad);
    }
    float[] a = single.parameters();
    float[] b = distributed.parameters();
    for (int i = 0; i < a.length; i++) {
      // Adam moves each weight by at most ~lr = 0.01 per step; rounding differences in the
      // gradients change a step by far less than 1e-4 of that.
      assertEquals(a[i], b[i], 1e-6f, "weight " + i);
    }
  }

  @Test
  void sameSeedAndPartitioningGiveIdenticalWeightsInEitherSyncMode() {
    List<ImageBlock> blocks = partitioned(PARTITIONINGS[2]);
    JavaRDD<ImageBlock> data = rdd(blocks);
    TrainerOptions options =
        TrainerOptions.defaults()
            .with(BATCH_SIZE, 4)
            .with(TrainingSettings.SEED, SEED)
            .with(EPOCHS, 2);
    Sequential first = TestBlocks.model(4);
    new DistributedTrainer(jsc, first, options.with(SYNC, "driver-sync")).fit(data, data, null);
    Sequential second = TestBlocks.model(4);
    new DistributedTrainer(jsc, second, options.with(SYNC, "driver-sync")).fit(data, null, null);
    Sequential third = TestBlocks.model(4);
    List<EpochReport> h =
        new DistributedTrainer(jsc, third, options.with(SYNC, "jobs")).fit(data, data, null);
    assertArrayEquals(first.parameters(), second.parameters());
    assertArrayEquals(first.parameters(), third.parameters());
    assertEquals(2, h.size());
    assertEquals(23, h.get(0).figures().examples());
    History.Epoch lastEpoch = h.get(1).figures();
    assertTrue(Double.isFinite(lastEpoch.valLoss()) && lastEpoch.valAccuracy() >= 0);
  }
}
