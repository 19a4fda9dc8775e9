package org.sparkcnn.core.model;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.sparkcnn.core.errors.Rethrow;

/**
 * A worker thread that stays awake for a moment after each job, for the slices of {@link
 * ParallelBatches}: a training step hands it a slice every few milliseconds, and waking a parked
 * thread costs tens of microseconds on bare metal but up to milliseconds on a virtual machine whose
 * idle vCPU the host has descheduled (measured: 1-3 ms of a 9-15 ms step at batch 32 on 2 threads).
 * OpenMP runtimes spin-wait between parallel regions for the same reason. After {@link #SPIN_NANOS}
 * without work it parks, so an idle JVM burns no CPU.
 *
 * <p>One job at a time: {@link #tryStart} claims the worker or returns false if another caller
 * holds it (the caller then uses the ordinary pool).
 */
final class SpinWorker extends Thread {
  /** How long an idle worker keeps polling before it parks: longer than a step's serial part. */
  static final long SPIN_NANOS = 2_000_000;

  private final AtomicBoolean claimed = new AtomicBoolean();
  private volatile Runnable job;
  private volatile boolean done = true;
  private volatile Throwable failure;
  private volatile boolean parked;

  SpinWorker(String name) {
    super(name);
    setDaemon(true);
  }

  /** Claims the worker and starts job on it; false if another caller holds it. */
  boolean tryStart(Runnable task) {
    if (!claimed.compareAndSet(false, true)) {
      return false;
    }
    failure = null;
    done = false;
    job = task;
    if (parked) {
      LockSupport.unpark(this);
    }
    return true;
  }

  /** Waits for the job started by {@link #tryStart}, releases the worker, rethrows a failure. */
  void await() {
    long spins = 0;
    while (!done) {
      if (++spins < 20_000) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    Throwable t = failure;
    claimed.set(false);
    Rethrow.ifUnchecked(t);
    if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void run() {
    while (true) {
      Runnable task = waitForJob();
      try {
        task.run();
      } catch (Throwable t) {
        failure = t;
      }
      job = null;
      done = true;
    }
  }

  private Runnable waitForJob() {
    long idleSince = System.nanoTime();
    while (true) {
      Runnable task = job;
      if (task != null) {
        return task;
      }
      if (System.nanoTime() - idleSince < SPIN_NANOS) {
        Thread.onSpinWait();
        continue;
      }
      parked = true;
      if (job == null) {
        LockSupport.park(this);
      }
      parked = false;
      idleSince = System.nanoTime();
    }
  }
}
