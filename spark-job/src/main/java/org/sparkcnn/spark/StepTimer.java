package org.sparkcnn.spark;

/**
 * Splits each step's wall time (from the end of the previous step's update to the end of this
 * one's) into the slowest partition's compute and the synchronisation overhead around it. The first
 * step of an epoch also pays for starting the epoch (launching its tasks, connecting), so its
 * overhead is kept apart: per-step overhead is that of the steady-state steps.
 */
final class StepTimer {
  private long last;
  private long steps;
  private long slowestComputeNanos;
  private long overheadNanos;
  private long startupNanos;
  private long firstStepEnd;

  StepTimer(long startNanos) {
    this.last = startNanos;
  }

  void stepDone(PartialSum total) {
    long now = System.nanoTime();
    long slowest = total.slowestComputeNanos();
    long overhead = Math.max(0, now - last - slowest);
    if (steps == 0) {
      startupNanos = overhead;
      firstStepEnd = now;
    } else {
      overheadNanos += overhead;
    }
    steps++;
    slowestComputeNanos += slowest;
    last = now;
  }

  double slowestComputeMillisPerStep() {
    return steps == 0 ? 0 : slowestComputeNanos / 1e6 / steps;
  }

  /** Mean overhead of the steps after the first; the first's alone if there is only one. */
  double overheadMillisPerStep() {
    return steps <= 1 ? startupNanos / 1e6 : overheadNanos / 1e6 / (steps - 1);
  }

  /** Mean wall time of the steps after the first (the steady state), or 0 with one step. */
  double steadyMillisPerStep() {
    return steps <= 1 ? 0 : (last - firstStepEnd) / 1e6 / (steps - 1);
  }

  /** Time from the last step's update until now: finishing the epoch's tasks. */
  double millisSinceLastStep() {
    return (System.nanoTime() - last) / 1e6;
  }

  /** The first step's overhead: starting the epoch's tasks and connections. */
  double startupMillis() {
    return startupNanos / 1e6;
  }
}
