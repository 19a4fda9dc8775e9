package org.sparkcnn.spark;

import java.util.logging.Logger;
import org.apache.spark.SparkContext;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * What the driver does about a lost task before it relaunches the barrier stage: have a frozen
 * executor replaced, wait until a lost one has left the scheduler, and wait until the cluster has a
 * task slot for every partition again. A barrier stage needs all its slots at once: launched too
 * early, it would be refused (or placed on an executor that is already dead) and cost another
 * failure.
 *
 * <p>Uses three of {@link SparkContext}'s Spark-internal methods, through {@link SparkInternals}:
 * {@code killAndReplaceExecutor}, {@code getExecutorIds} and {@code maxNumConcurrentTasks}.
 */
final class ClusterRecovery {
  private static final Logger LOG = Logger.getLogger(ClusterRecovery.class.getName());

  /** The executor id Spark gives the driver; tasks run there in local mode, never killed. */
  static final String DRIVER = "driver";

  private final SparkContext sc;

  ClusterRecovery(SparkContext sc) {
    this.sc = sc;
  }

  /**
   * Asks the cluster manager to kill a frozen executor and start a new one in its place (Spark's
   * own executor heartbeat would notice only after spark.network.timeout, 120 s by default).
   */
  void replace(String executorId) {
    if (DRIVER.equals(executorId) || "?".equals(executorId)) {
      return;
    }
    boolean asked = SparkInternals.replaceExecutor(sc, executorId);
    LOG.info(
        "spark-cnn: asked the cluster manager to replace executor "
            + executorId
            + (asked ? "" : " (refused: the cluster manager cannot kill executors)"));
  }

  /** Waits until {@code executorId} has left the scheduler, or the deadline passes. */
  void awaitGone(String executorId, long deadlineMillis) throws InterruptedException {
    if (DRIVER.equals(executorId) || "?".equals(executorId)) {
      return;
    }
    while (System.currentTimeMillis() < deadlineMillis
        && SparkInternals.executorIds(sc).contains(executorId)) {
      Thread.sleep(100);
    }
  }

  /** Waits until the cluster has {@code slots} task slots, or the deadline passes. */
  void awaitSlots(int slots, long deadlineMillis) throws InterruptedException {
    while (System.currentTimeMillis() < deadlineMillis && slots() < slots) {
      Thread.sleep(100);
    }
  }

  /** Executors the scheduler knows now (1 in local mode, where the driver runs the tasks). */
  static int executors(SparkContext sc) {
    return Math.max(1, SparkInternals.executorIds(sc).size());
  }

  int slots() {
    return SparkInternals.taskSlots(sc);
  }
}
