package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Sgd;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.SparkSessionTest.TaskSlots;

/**
 * A driver-sync run survives a task that dies or freezes mid-epoch: the stage is relaunched from
 * the step in flight and the final weights equal an undisturbed run's, bit for bit; past the budget
 * the run ends with one line naming epoch, step, partition and executor. (Local mode: the faults
 * are injected into the task; the real SIGKILL/SIGSTOP of executors is LocalClusterIT's.)
 */
@TaskSlots(3)
class TaskLossTest extends SparkSessionTest {
  private static JavaRDD<ImageBlock> data;
  private static float[] undisturbed;

  @BeforeAll
  static void start() {
    data = jsc.parallelize(TestBlocks.blocks(17, 30, 22, 26), 3).cache();
    undisturbed = run(4).weights;
  }

  @AfterEach
  void noFaults() throws InterruptedException {
    SyncClient.faults = null;
    DriverSyncRunner.testGroups = null;
    TaskThreads.assertAllEnd(jsc);
  }

  private record Outcome(float[] weights, int taskFailures) {}

  private static Outcome run(int maxTaskFailures) {
    return run(maxTaskFailures, SyncTopology.STAR);
  }

  private static Outcome run(int maxTaskFailures, SyncTopology topology) {
    Sequential m = TestBlocks.model(5);
    TrainingPlan plan = RunnerHarness.plan(m, 78, 10, 9);
    try (DriverSyncRunner runner =
        new DriverSyncRunner(jsc, data, plan, 60, maxTaskFailures, topology, m.optimizer())) {
      float[] w = RunnerHarness.train(runner, m, plan, 2, g -> {});
      return new Outcome(w, runner.taskFailures());
    }
  }

  @Test
  void aCrashedTaskIsRelaunchedFromTheStepInFlight() {
    // Partition 1 dies before step 3 of epoch 2 in the first launch of that epoch (launch 2).
    SyncClient.faults =
        (launch, partition, epoch, step) ->
            launch == 2 && partition == 1 && step == 3
                ? SyncClient.Fault.CRASH
                : SyncClient.Fault.NONE;
    Outcome o =
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run(4), TaskThreads::describe);
    assertEquals(1, o.taskFailures());
    assertArrayEquals(undisturbed, o.weights(), "a relaunch must not change a single bit");
  }

  @Test
  void aFrozenTaskIsDetectedByItsHeartbeatAndRelaunched() {
    SyncClient.faults =
        (launch, partition, epoch, step) ->
            launch == 1 && partition == 0 && step == 2
                ? SyncClient.Fault.STALL
                : SyncClient.Fault.NONE;
    long started = System.nanoTime();
    Outcome o =
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run(4), TaskThreads::describe);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals(1, o.taskFailures());
    assertArrayEquals(undisturbed, o.weights());
    // Detected after STALL_MILLIS of silence, not after timeout_seconds (60 s here).
    assertTrue(seconds < SyncProtocol.STALL_MILLIS / 1000.0 + 20, "took " + seconds + " s");
  }

  @Test
  void failuresBeyondTheBudgetEndTheRunWithOneClearLine() {
    SyncClient.faults =
        (launch, partition, epoch, step) ->
            partition == 2 && epoch == 0 && step == 1
                ? SyncClient.Fault.CRASH
                : SyncClient.Fault.NONE;
    TrainingFailedException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> assertThrows(TrainingFailedException.class, () -> run(2)),
            TaskThreads::describe);
    String m = e.getMessage();
    assertTrue(
        m.contains("epoch 1, step 2 of 8")
            && m.contains("partitions 0, 1, 2")
            && m.contains("executor driver")
            && m.contains("task failure 3")
            && m.contains("max_task_failures=2")
            && !m.contains("\n"),
        m);
  }

  /**
   * Sharded, three executors (one per partition): a crashed one breaks its peers' exchange and a
   * frozen one is found by its peers' and the driver's heartbeat checks; either way the stage is
   * relaunched and the weights equal the undisturbed star run's.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = SyncClient.Fault.class,
      names = {"CRASH", "STALL"})
  void aShardedRunSurvivesALostExecutor(SyncClient.Fault fault) {
    DriverSyncRunner.testGroups = p -> p;
    SyncClient.faults =
        (launch, partition, epoch, step) ->
            launch == 2 && partition == 1 && step == 2 ? fault : SyncClient.Fault.NONE;
    Outcome o =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60), () -> run(4, SyncTopology.SHARDED), TaskThreads::describe);
    assertEquals(1, o.taskFailures());
    assertArrayEquals(undisturbed, o.weights(), "a sharded relaunch must not change a single bit");
  }

  /**
   * Sharded executors run ahead of the driver: while it is busy for longer than a stall (a slow
   * checkpoint) they block sending it their sums, and must still hear each other's heartbeats, or
   * they would take a busy driver for a frozen peer. About 1M weights, so that the shards' sums
   * fill the sockets' buffers within the pause.
   */
  @Test
  void shardedExecutorsWaitOutABusyDriver() {
    float[] star = longEpoch(wide(), SyncTopology.STAR, -1, 0).weights();
    DriverSyncRunner.testGroups = p -> p;
    Outcome o =
        assertTimeoutPreemptively(
            Duration.ofSeconds(90),
            () -> longEpoch(wide(), SyncTopology.SHARDED, 1, SyncProtocol.STALL_MILLIS + 2_000),
            TaskThreads::describe);
    assertEquals(0, o.taskFailures(), "a busy driver is not a lost executor");
    assertArrayEquals(star, o.weights());
  }

  /**
   * A sharded group starts at most RUN_AHEAD_STEPS steps beyond the driver's last acknowledgement,
   * and waits for a busy driver (here 1 s before one step) instead of sending on; the weights are
   * the star's.
   */
  @Test
  void shardedExecutorsRunAheadOfTheDriverByAtMostTheWindow() {
    float[] star = longEpoch(TestBlocks.model(5), SyncTopology.STAR, -1, 0).weights();
    DriverSyncRunner.testGroups = p -> p;
    SyncClient.RUN_AHEAD_SEEN.set(0);
    Outcome o =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> longEpoch(TestBlocks.model(5), SyncTopology.SHARDED, 3, 1_000),
            TaskThreads::describe);
    assertEquals(0, o.taskFailures());
    assertEquals(SyncProtocol.RUN_AHEAD_STEPS, SyncClient.RUN_AHEAD_SEEN.get());
    assertArrayEquals(star, o.weights());
  }

  /** A 1.09M-weight model. */
  private static Sequential wide() {
    return new Sequential()
        .add(new Flatten().inputShape(TestBlocks.SIZE, TestBlocks.SIZE, 1))
        .add(new Dense(16_000, "relu"))
        .add(new Dense(TestBlocks.CLASSES, "softmax"))
        .seed(3)
        .compile("sparse_categorical_crossentropy", new Sgd(0.01), "accuracy");
  }

  /** One epoch of 39 steps; the driver pauses pauseMillis before global step pauseAt. */
  private static Outcome longEpoch(
      Sequential m, SyncTopology topology, long pauseAt, long pauseMillis) {
    TrainingPlan plan = RunnerHarness.plan(m, 78, 2, 9);
    try (DriverSyncRunner runner =
        new DriverSyncRunner(jsc, data, plan, 60, 0, topology, m.optimizer())) {
      float[] w =
          RunnerHarness.train(
              runner,
              m,
              plan,
              1,
              g -> {
                if (g == pauseAt) {
                  try {
                    Thread.sleep(pauseMillis);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
              });
      return new Outcome(w, runner.taskFailures());
    }
  }
}
