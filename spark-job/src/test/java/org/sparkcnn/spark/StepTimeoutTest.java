package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.SparkSessionTest.TaskSlots;

/**
 * {@code timeout_seconds} in both sync modes, for a task that hangs while its JVM stays alive (so
 * no heartbeat goes silent): in {@code jobs} mode the step's job is cancelled at the timeout and
 * the run ends in one line naming epoch, step and what still ran; in {@code driver-sync} the task
 * is declared lost at the timeout and the stage relaunched, ending with an undisturbed run's
 * weights.
 *
 * <p>The hang is in reading the data: the blocks are not cached, so every task recomputes its
 * partition, and the read chosen by {@link #hangAt} waits until Spark kills the task (in
 * driver-sync after the task connected, so its heartbeats go on).
 */
@TaskSlots(3)
class StepTimeoutTest extends SparkSessionTest {
  private static final int TIMEOUT_SECONDS = 3;
  private static JavaRDD<ImageBlock> data;

  /** Computations of partition 1 so far; the one numbered {@link #hangAt} (from 1) hangs. */
  static final AtomicInteger computed = new AtomicInteger();

  static volatile int hangAt = -1;

  @BeforeAll
  static void start() {
    data =
        jsc.parallelize(TestBlocks.blocks(23, 20, 18, 22), 3)
            .mapPartitionsWithIndex(StepTimeoutTest::maybeHang, true);
  }

  @AfterEach
  void noHang() {
    hangAt = -1;
  }

  /** The partition's block, whose reading hangs when it is the computation chosen to. */
  private static Iterator<ImageBlock> maybeHang(int partition, Iterator<ImageBlock> it) {
    boolean hang = partition == 1 && computed.incrementAndGet() == hangAt;
    return new Iterator<>() {
      private boolean waited = !hang;

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public ImageBlock next() {
        if (!waited) {
          waited = true;
          hangUntilKilled();
        }
        return it.next();
      }
    };
  }

  /** Hung, not dead: the executor (this JVM) goes on; only Spark's kill ends the wait. */
  private static void hangUntilKilled() {
    long until = System.currentTimeMillis() + 120_000;
    try {
      while (!TaskContext.get().isInterrupted() && System.currentTimeMillis() < until) {
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static float[] train(EpochRunner runner, Sequential m, TrainingPlan plan) {
    try (runner) {
      return RunnerHarness.train(runner, m, plan, 2, g -> {});
    }
  }

  @Test
  void jobsModeEndsAStepThatOutlivesTheTimeoutInOneLine() {
    Sequential m = TestBlocks.model(3);
    TrainingPlan plan = RunnerHarness.plan(m, 60, 10, 4); // 6 steps per epoch
    computed.set(0);
    hangAt = 3; // partition 1 is computed once per step: the third step of epoch 1
    long started = System.nanoTime();
    TrainingFailedException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () ->
                assertThrows(
                    TrainingFailedException.class,
                    () -> train(new JobPerStepRunner(jsc, data, plan, TIMEOUT_SECONDS), m, plan)));
    double seconds = (System.nanoTime() - started) / 1e9;
    String line = e.getMessage();
    assertTrue(
        line.startsWith("spark-cnn training stopped in epoch 1, step 3 of 6:")
            && line.contains("within timeout_seconds=" + TIMEOUT_SECONDS)
            && line.contains("received: no result from partition [1] of 3;")
            && line.contains("hint: ")
            && !line.contains("\n"),
        line);
    assertTrue(seconds >= TIMEOUT_SECONDS, "not before the timeout: " + seconds + " s");
  }

  @Test
  void driverSyncRelaunchesATaskThatOutlivesTheTimeoutWhileItsHeartbeatGoesOn() {
    Sequential a = TestBlocks.model(3);
    TrainingPlan plan = RunnerHarness.plan(a, 60, 10, 4);
    float[] undisturbed = train(new DriverSyncRunner(jsc, data, plan, 60, 4), a, plan);

    Sequential b = TestBlocks.model(3);
    computed.set(0);
    hangAt = 1; // partition 1 is computed once per launch: the first launch hangs
    try (DriverSyncRunner runner = new DriverSyncRunner(jsc, data, plan, TIMEOUT_SECONDS, 4)) {
      float[] w =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60), () -> RunnerHarness.train(runner, b, plan, 2, g -> {}));
      assertEquals(1, runner.taskFailures(), "lost once, at the timeout, and relaunched");
      assertArrayEquals(undisturbed, w, "the relaunch changes no bit");
    }
  }
}
