package org.sparkcnn.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;

/**
 * The tasks of one barrier-stage launch that share an executor JVM. Each task learns from {@link
 * org.apache.spark.BarrierTaskContext#getTaskInfos} which partitions run on its executor (same
 * executor address); the lowest of them leads: it holds the one sync connection to the driver,
 * receives the weights once for all of them, and after each step adds their results into the nodes
 * of the {@link ReductionTree} that the group holds whole. The others ("members") compute their
 * share on their own task thread and hand the result over here.
 *
 * <p>Lifecycle, per step: the leader {@link #startStep publishes} the weights and the step, every
 * member computes and {@link #finish finishes}, the leader {@link #awaitResults waits} for all of
 * them and sums. A member whose step throws reports the error (the leader sends it to the driver as
 * the group's failure); the leader's {@link #close} ends the members (their next wait returns
 * false).
 */
final class ExecutorGroup {
  private static final int MAX_GROUPS = 256;

  /** How often a waiting task checks whether it was killed. */
  private static final long KILL_CHECK_MILLIS = 100;

  /**
   * Groups by (run, driver endpoint, launch, leader); closed ones stay so that late members see it.
   */
  private static final Map<String, ExecutorGroup> GROUPS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ExecutorGroup> eldest) {
          return size() > MAX_GROUPS && eldest.getValue().closed;
        }
      };

  private final int[] partitions;
  private final StepResult[] results;
  private final RuntimeException[] failures;
  private int phase;
  private int done;
  private boolean closed;
  private boolean failed;
  private float[] params;
  private int epoch;
  private int step;
  private long globalStep;
  private volatile Runnable crash = () -> {};
  private volatile Runnable silence = () -> {};

  private ExecutorGroup(int[] partitions) {
    this.partitions = partitions;
    this.results = new StepResult[partitions.length];
    this.failures = new RuntimeException[partitions.length];
  }

  /** The group of a launch's co-located tasks, created by whichever of them arrives first. */
  static ExecutorGroup of(SyncClient.Endpoint driver, int[] partitions) {
    String key =
        driver.run()
            + "/"
            + driver.host()
            + ":"
            + driver.port()
            + "/"
            + driver.launch()
            + "/"
            + partitions[0];
    synchronized (GROUPS) {
      return GROUPS.computeIfAbsent(key, k -> new ExecutorGroup(partitions.clone()));
    }
  }

  int[] partitions() {
    return partitions;
  }

  int leader() {
    return partitions[0];
  }

  /**
   * What an injected fault does to the group's connection (tests): close it, or stop heartbeats.
   */
  void faultActions(Runnable crash, Runnable silence) {
    this.crash = crash;
    this.silence = silence;
  }

  Runnable crash() {
    return crash;
  }

  Runnable silence() {
    return silence;
  }

  /** Leader: publishes step {@code step}'s weights to the members. */
  synchronized void startStep(float[] params, int epoch, int step, long globalStep) {
    this.params = params;
    this.epoch = epoch;
    this.step = step;
    this.globalStep = globalStep;
    Arrays.fill(results, null);
    done = 0;
    phase++;
    notifyAll();
  }

  /** What a member computes: the weights and step of the phase it waited for. */
  record Work(float[] params, int epoch, int step, long globalStep, int phase) {}

  /** Member: waits for the phase after {@code lastPhase}; null once the group is closed. */
  synchronized Work awaitStep(int lastPhase) throws InterruptedException {
    while (phase == lastPhase && !closed) {
      awaitChange();
    }
    return closed ? null : new Work(params, epoch, step, globalStep, phase);
  }

  /** Member or leader: partition p's result of the current phase, or why it failed. */
  synchronized void finish(int p, StepResult result, RuntimeException failure) {
    int i = indexOf(p);
    results[i] = result;
    failures[i] = failure;
    done++;
    notifyAll();
  }

  /** Member: its task cannot take part (its block failed to load): the group fails with it. */
  synchronized void fail(int p, RuntimeException failure) {
    failures[indexOf(p)] = failure;
    failed = true;
    notifyAll();
  }

  /**
   * Leader: waits until every member finished the current phase; returns the first failure among
   * them (the group's step failed), or null with every result in place.
   */
  synchronized RuntimeException awaitResults() throws InterruptedException {
    while (done < partitions.length && !failed) {
      awaitChange();
    }
    for (RuntimeException f : failures) {
      if (f != null) {
        return f;
      }
    }
    return null;
  }

  /**
   * Leader: the members' results (all in place) summed into the largest tree nodes the group holds
   * whole, in partition order. The sums live in the members' gradient buffers until the next step.
   */
  synchronized List<PartialSum> presum(int allPartitions) {
    boolean[] held = new boolean[allPartitions];
    for (int p : partitions) {
      held[p] = true;
    }
    List<PartialSum> out = new ArrayList<>();
    for (int[] node : ReductionTree.cover(allPartitions, held)) {
      List<PartialSum> leaves = new ArrayList<>();
      for (int p = node[0]; p < node[1]; p++) {
        leaves.add(PartialSum.of(results[indexOf(p)]));
      }
      out.add(ReductionTree.reduce(leaves, node[0], node[1]));
    }
    return out;
  }

  /** How many tree nodes this group sends per step. */
  static int parts(int allPartitions, int[] partitions) {
    boolean[] held = new boolean[allPartitions];
    for (int p : partitions) {
      held[p] = true;
    }
    return ReductionTree.cover(allPartitions, held).size();
  }

  /** Leader: ends the group; members waiting for a step return. */
  synchronized void close() {
    closed = true;
    notifyAll();
  }

  /**
   * Waits for a notify, but wakes now and then to see whether Spark killed this task: a kill that
   * does not interrupt the thread would otherwise leave the task waiting for a group that is gone,
   * holding its core, and a relaunched barrier stage needs every core at once.
   */
  private void awaitChange() throws InterruptedException {
    wait(KILL_CHECK_MILLIS);
    TaskContext task = TaskContext.get();
    if (task != null && task.isInterrupted()) {
      throw new InterruptedException("Spark killed the task while it waited for its group");
    }
  }

  private int indexOf(int p) {
    int i = Arrays.binarySearch(partitions, p);
    if (i < 0) {
      throw new IllegalArgumentException(
          "partition " + p + " is not in this executor's group " + Arrays.toString(partitions));
    }
    return i;
  }
}
