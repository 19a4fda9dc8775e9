package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.SparkSessionTest.TaskSlots;

/**
 * The sharded topology over 4 and 8 executor groups, where it exchanges by recursive halving and
 * doubling ({@link HalvingExchange}): whether each group holds an aligned run of partitions,
 * Spark's round-robin share or a scattered one, every step's gradient sums, stats and the final
 * weights of two epochs of Adam equal the jobs mode's bit for bit, each group opening log2 G peer
 * connections; and a lost executor is relaunched with the same bits.
 */
@TaskSlots(16)
class HalvingTopologyTest extends SparkSessionTest {
  private static final int PARTITIONS = 16;
  private static final int[] SCATTERED = {0, 1, 2, 3, 3, 0, 2, 1, 1, 2, 0, 3, 2, 3, 1, 0};

  private static JavaRDD<ImageBlock> data;
  private static TrainingPlan plan;
  private static List<float[]> expected;
  private static final List<BatchStats> EXPECTED_STATS = new ArrayList<>();
  private static float[] expectedWeights;

  @BeforeAll
  static void start() {
    int[] sizes = new int[PARTITIONS];
    for (int p = 0; p < PARTITIONS; p++) {
      sizes[p] = 6 + p % 3;
    }
    data = jsc.parallelize(TestBlocks.blocks(11, sizes), PARTITIONS).cache();
    Sequential reference = TestBlocks.model(3);
    plan = RunnerHarness.plan(reference, 111, 24, 9);
    try (EpochRunner jobs = new JobPerStepRunner(jsc, data, plan)) {
      expected = RunnerHarness.trainingSums(jobs, reference, plan, 2, EXPECTED_STATS);
    }
    expectedWeights = reference.parameters();
  }

  @AfterEach
  void noFaults() throws InterruptedException {
    SyncClient.faults = null;
    DriverSyncRunner.testGroups = null;
    TaskThreads.assertAllEnd(jsc);
  }

  static Stream<Arguments> placements() {
    return Stream.of(
        Arguments.of("4 groups, aligned runs", 4, (IntUnaryOperator) p -> p / 4),
        Arguments.of("4 groups, round robin", 4, (IntUnaryOperator) p -> p % 4),
        Arguments.of("4 groups, scattered", 4, (IntUnaryOperator) p -> SCATTERED[p]),
        Arguments.of("8 groups, aligned runs", 8, (IntUnaryOperator) p -> p / 2),
        Arguments.of("8 groups, round robin", 8, (IntUnaryOperator) p -> p % 8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("placements")
  void everyPlacementGivesTheJobsModesBits(String what, int groups, IntUnaryOperator split) {
    DriverSyncRunner.testGroups = split;
    Sequential m = TestBlocks.model(3);
    List<BatchStats> stats = new ArrayList<>();
    List<float[]> got;
    SyncTraffic.reset();
    try (DriverSyncRunner driver =
        new DriverSyncRunner(jsc, data, plan, 60, 0, SyncTopology.SHARDED, m.optimizer())) {
      got =
          assertTimeoutPreemptively(
              Duration.ofSeconds(120),
              () -> RunnerHarness.trainingSums(driver, m, plan, 2, stats),
              TaskThreads::describe);
      assertEquals(groups, driver.connectionsOfLastLaunch(), what);
    }
    long launches = 2;
    long log2 = Integer.numberOfTrailingZeros(groups);
    assertEquals(
        launches * groups * log2,
        SyncTraffic.snapshot()[6],
        what + ": log2 G peer connections per group and launch, counted at both ends");
    assertEquals(expected.size(), got.size(), what);
    for (int step = 0; step < got.size(); step++) {
      assertArrayEquals(expected.get(step), got.get(step), what + ", step " + step);
      assertEquals(EXPECTED_STATS.get(step), stats.get(step), what + ", step " + step);
    }
    assertArrayEquals(expectedWeights, m.parameters(), what);
  }

  /**
   * Four groups of aligned runs: a crashed executor breaks its partners' rounds, a frozen one is
   * found by its partners' and the driver's heartbeat checks; the stage is relaunched from the step
   * in flight and ends with the undisturbed weights.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = SyncClient.Fault.class,
      names = {"CRASH", "STALL"})
  void aLostExecutorIsRelaunchedWithTheSameBits(SyncClient.Fault fault) {
    DriverSyncRunner.testGroups = p -> p / 4;
    SyncClient.faults =
        (launch, partition, epoch, step) ->
            launch == 2 && partition == 5 && step == 2 ? fault : SyncClient.Fault.NONE;
    Sequential m = TestBlocks.model(3);
    try (DriverSyncRunner runner =
        new DriverSyncRunner(jsc, data, plan, 60, 4, SyncTopology.SHARDED, m.optimizer())) {
      float[] w =
          assertTimeoutPreemptively(
              Duration.ofSeconds(90),
              () -> RunnerHarness.train(runner, m, plan, 2, g -> {}),
              TaskThreads::describe);
      assertEquals(1, runner.taskFailures());
      assertArrayEquals(expectedWeights, w, "a relaunch must not change a single bit");
    }
  }
}
