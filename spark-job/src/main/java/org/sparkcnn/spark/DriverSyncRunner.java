package org.sparkcnn.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * The low-overhead way: one Spark barrier stage per epoch whose tasks stay alive for all of the
 * epoch's steps and exchange weights and gradients with the driver over the sync channel ({@link
 * SyncServer}, {@link SyncChannel}: bound to the driver's bind address, authenticated with a
 * per-run key, optionally encrypted). Per step, the driver sends the weights to every task, waits
 * for every partition's gradient sum, adds them in partition order and applies the optimizer: the
 * same synchronous SGD as {@link JobPerStepRunner}, bit for bit, without a Spark job per step.
 *
 * <p>A barrier stage runs all its tasks at once (so no task waits for a slot another task holds)
 * and fails as a whole; this runner therefore needs at least as many task slots as partitions,
 * which the trainer checks before choosing it.
 *
 * <p>Task loss: when a task's connection drops, its heartbeat stops for {@link
 * SyncProtocol#STALL_MILLIS}, or the stage fails, the driver ends the stage, has a frozen executor
 * replaced, waits for the slots and launches the stage again from the step in flight (its weights
 * are still those before that step, since a step is applied only once every partition has
 * answered), up to {@code maxTaskFailures} times per run: the final weights equal an undisturbed
 * run's. A task whose step throws (bad data, a model error) is not relaunched: it would throw
 * again; the fit fails with the task's reason.
 */
final class DriverSyncRunner implements EpochRunner {
  private static final Logger LOG = Logger.getLogger(DriverSyncRunner.class.getName());
  static final int DEFAULT_MAX_TASK_FAILURES = 4;
  private static final String JOB_DESCRIPTION = "spark.job.description";
  private static final String JOB_INTERRUPT_ON_CANCEL = "spark.job.interruptOnCancel";

  private final JavaSparkContext jsc;
  private final JavaRDD<ImageBlock> blocks;
  private final TrainingPlan plan;
  private final int partitions;
  private final SyncSecret secret;
  private final SyncServer server;
  private final String host;
  private final int timeoutMillis;
  private final int maxTaskFailures;
  private final ClusterRecovery recovery;
  private int taskFailures;
  private int launches;
  private int lastEpochLaunched = -1;
  private byte[] stepBuffer = new byte[0];

  DriverSyncRunner(
      JavaSparkContext jsc, JavaRDD<ImageBlock> blocks, TrainingPlan plan, int timeoutSeconds) {
    this(jsc, blocks, plan, timeoutSeconds, DEFAULT_MAX_TASK_FAILURES);
  }

  DriverSyncRunner(
      JavaSparkContext jsc,
      JavaRDD<ImageBlock> blocks,
      TrainingPlan plan,
      int timeoutSeconds,
      int maxTaskFailures) {
    this.jsc = jsc;
    this.blocks = blocks;
    this.plan = plan;
    this.partitions = blocks.getNumPartitions();
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeoutSeconds * 1000L);
    this.maxTaskFailures = maxTaskFailures;
    this.recovery = new ClusterRecovery(jsc.sc());
    SparkConf conf = jsc.getConf();
    this.host = conf.get("spark.driver.host", "localhost");
    String bind = conf.get("spark.driver.bindAddress", host);
    this.secret = SyncSecret.forRun();
    boolean encrypt = SparkInternals.encryptionEnabled();
    try {
      server = new SyncServer(InetAddress.getByName(bind), secret.key(), encrypt, partitions * 2);
    } catch (IOException e) {
      throw new IllegalStateException(
          "could not open the driver's sync port on "
              + bind
              + " (spark.driver.bindAddress); use \"sync\": \"jobs\" where the driver cannot "
              + "listen for executors",
          e);
    }
    LOG.info(
        "spark-cnn: sync port "
            + server.address().getHostAddress()
            + ":"
            + server.port()
            + ", key "
            + (secret.fromSpark() ? "derived from spark.authenticate's secret" : "random per run")
            + (encrypt ? ", AES-GCM encrypted" : ""));
  }

  @Override
  public String name() {
    return "driver-sync";
  }

  /** The sync port (tests probe it with strangers). */
  int port() {
    return server.port();
  }

  InetAddress address() {
    return server.address();
  }

  /** Connections the sync port refused so far. */
  long refusedConnections() {
    return server.refused();
  }

  /** The run's secret (tests check that it shows nowhere). */
  SyncSecret secret() {
    return secret;
  }

  /** Task failures survived so far in this run. */
  int taskFailures() {
    return taskFailures;
  }

  @Override
  public BatchStats runEpoch(
      int epoch, int fromStep, long firstGlobalStep, float[] params, StepApplier applier) {
    BatchStats total = BatchStats.EMPTY;
    int steps = plan.stepsPerEpoch();
    int step = fromStep;
    TaskLostException lost = null;
    while (true) {
      Stage stage = new Stage(epoch);
      boolean finished = false;
      try {
        stage.connect();
        for (; step < steps; step++) {
          StepResult[] results = stage.step(epoch, step, firstGlobalStep + step, params);
          for (StepResult r : results) {
            total = total.plus(r.stats());
          }
          params = applier.apply(results);
          if (lost != null) {
            logRecovered(lost, epoch, step);
            lost = null;
          }
        }
        stage.finish();
        finished = true;
        return total;
      } catch (TaskLostException e) {
        stage.abort();
        finished = true;
        lost = e;
        recover(e, epoch, step, steps);
      } catch (TaskFailedException e) {
        throw new TrainingFailedException(
            "spark-cnn training failed in epoch "
                + (epoch + 1)
                + ", step "
                + (step + 1)
                + " of "
                + steps
                + ": "
                + e.getMessage(),
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TrainingFailedException("spark-cnn training interrupted", e);
      } finally {
        if (!finished) {
          stage.abort();
        }
      }
    }
  }

  /**
   * Counts a lost task against the budget (or ends the run with one clear line), gets a frozen
   * executor replaced, and waits until the stage can run again.
   */
  private void recover(TaskLostException e, int epoch, int step, int steps) {
    taskFailures++;
    String where =
        "epoch " + (epoch + 1) + ", step " + (step + 1) + " of " + steps + ": " + e.describe();
    if (taskFailures > maxTaskFailures) {
      LOG.log(Level.SEVERE, "spark-cnn: training stopped in " + where, e);
      throw new TrainingFailedException(
          "spark-cnn training stopped in "
              + where
              + "; that is task failure "
              + taskFailures
              + " of this run, over max_task_failures="
              + maxTaskFailures
              + ". Check that executor's log (on a standalone cluster: the worker's work/ "
              + "directory) for why it died, then run again with a larger max_task_failures or "
              + "fewer, steadier executors",
          e);
    }
    LOG.log(
        Level.WARNING,
        "spark-cnn: lost a task in "
            + where
            + "; relaunching the stage from that step (task failure "
            + taskFailures
            + " of at most "
            + maxTaskFailures
            + ")",
        e);
    long deadline = System.currentTimeMillis() + timeoutMillis;
    try {
      if (e.stalled && e.peer != null) {
        recovery.replace(e.peer.executorId());
      }
      if (e.peer != null) {
        recovery.awaitGone(e.peer.executorId(), deadline);
      }
      recovery.awaitSlots(partitions, deadline);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new TrainingFailedException("spark-cnn training interrupted", interrupted);
    }
  }

  private void logRecovered(TaskLostException lost, int epoch, int step) {
    LOG.info(
        String.format(
            Locale.ROOT,
            "spark-cnn: training again after losing %s: epoch %d, step %d applied %.1f s after "
                + "the loss was detected",
            lost.peer == null ? "a task" : lost.peer.where(),
            epoch + 1,
            step + 1,
            (System.nanoTime() - lost.detectedNanos) / 1e9));
  }

  /** One launch of the epoch's barrier stage and the connections of its tasks. */
  private final class Stage {
    private final int launch = ++launches;
    private final JavaFutureAction<List<Integer>> job;
    private final SyncChannel[] conns = new SyncChannel[partitions];
    private float[][] grads;

    Stage(int epoch) {
      awaitSlots();
      SyncClient.Endpoint endpoint =
          new SyncClient.Endpoint(
              host, server.port(), secret, server.encrypt(), launch, timeoutMillis);
      EpochTask task = new EpochTask(endpoint, plan);
      SparkContext sc = jsc.sc();
      // Job properties are copied when the job is submitted: set them for this submission only.
      // The description shows in the UI; nothing secret is in it.
      String description = sc.getLocalProperty(JOB_DESCRIPTION);
      String interrupt = sc.getLocalProperty(JOB_INTERRUPT_ON_CANCEL);
      sc.setLocalProperty(
          JOB_DESCRIPTION,
          // The trainer's description names the epoch and its steps (SparkJobs).
          (description != null ? description : SparkJobs.PREFIX + "epoch " + (epoch + 1))
              + (epoch == lastEpochLaunched ? " (relaunch, launch " + launch + ")" : ""));
      lastEpochLaunched = epoch;
      // A frozen task in local mode only ends when its thread is interrupted.
      sc.setLocalProperty(JOB_INTERRUPT_ON_CANCEL, "true");
      try {
        job = SparkInternals.barrierMapPartitions(blocks, task, Integer.class).collectAsync();
      } finally {
        sc.setLocalProperty(JOB_DESCRIPTION, description);
        sc.setLocalProperty(JOB_INTERRUPT_ON_CANCEL, interrupt);
      }
    }

    /**
     * Waits (up to timeout_seconds) until the cluster has a slot per partition: an executor lost
     * between epochs would otherwise make Spark refuse the barrier stage and retry it only every 15
     * s.
     */
    private void awaitSlots() {
      int slots = recovery.slots();
      if (slots >= partitions) {
        return;
      }
      LOG.info(
          "spark-cnn: waiting for "
              + partitions
              + " task slots before launching the stage (the cluster has "
              + slots
              + ")");
      try {
        recovery.awaitSlots(partitions, System.currentTimeMillis() + timeoutMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TrainingFailedException("spark-cnn training interrupted", e);
      }
    }

    /** Waits until every partition's task of this launch has connected and authenticated. */
    void connect() throws TaskLostException, InterruptedException {
      int connected = 0;
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (connected < partitions) {
        if (job.isDone()) {
          throw new TaskLostException(
              -1, null, false, "the stage ended before all its tasks connected", jobFailure());
        }
        if (System.currentTimeMillis() > deadline) {
          throw new TrainingFailedException(
              "spark-cnn training could not start its tasks; received: "
                  + connected
                  + " of "
                  + partitions
                  + " tasks connected to the driver's sync port within "
                  + timeoutMillis / 1000
                  + " s; expected: all of them; check that executors can reach "
                  + host
                  + ":"
                  + server.port()
                  + " (spark.driver.host, spark.driver.bindAddress) or use \"sync\": \"jobs\"",
              null);
        }
        SyncChannel c = server.poll(200);
        if (c == null) {
          continue;
        }
        SyncHello h = c.peer();
        if (h.role() != SyncHello.TASK
            || h.launch() != launch
            || h.partition() < 0
            || h.partition() >= partitions) {
          c.close(); // a task of an earlier launch, late
          continue;
        }
        c.boundSends(server.watchdog(), SyncProtocol.STALL_MILLIS);
        if (conns[h.partition()] != null) {
          conns[h.partition()].close();
          connected--;
        }
        conns[h.partition()] = c;
        connected++;
      }
    }

    StepResult[] step(int epoch, int step, long globalStep, float[] params)
        throws TaskLostException, TaskFailedException {
      int bytes = SyncProtocol.stepBytes(params.length);
      if (stepBuffer.length < SyncChannel.HEADER + bytes) {
        stepBuffer = SyncProtocol.buffer(bytes);
      }
      int length = SyncProtocol.encodeStep(stepBuffer, epoch, step, globalStep, params);
      for (int p = 0; p < partitions; p++) {
        try {
          conns[p].send(stepBuffer, length);
        } catch (IOException e) {
          throw lost(p, false, "sending the weights failed: " + e.getMessage(), e);
        }
      }
      if (grads == null || grads[0].length != params.length) {
        grads = new float[partitions][params.length];
      }
      long deadline = System.currentTimeMillis() + timeoutMillis;
      StepResult[] results = new StepResult[partitions];
      for (int p = 0; p < partitions; p++) {
        results[p] = readResult(p, step, deadline);
      }
      return results;
    }

    /** Reads partition p's result, skipping heartbeats; a silence of STALL_MILLIS is a stall. */
    private StepResult readResult(int p, int step, long deadline)
        throws TaskLostException, TaskFailedException {
      float[] grad = grads[p];
      while (true) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw lost(
              p,
              false,
              "no result within timeout_seconds=" + timeoutMillis / 1000 + " (heartbeats went on)",
              null);
        }
        ByteBuffer b;
        try {
          b =
              conns[p].receive(
                  SyncProtocol.taskFrameBytes(grad.length),
                  (int) Math.min(left, SyncProtocol.STALL_MILLIS));
        } catch (SocketTimeoutException e) {
          if (System.currentTimeMillis() < deadline) {
            throw lost(
                p,
                true,
                "no heartbeat for " + SyncProtocol.STALL_MILLIS / 1000 + " s (executor frozen?)",
                e);
          }
          continue;
        } catch (IOException e) {
          throw lost(p, false, String.valueOf(e.getMessage()), e);
        }
        int op = b.getInt();
        if (op == SyncProtocol.HEARTBEAT) {
          continue;
        }
        try {
          if (op == SyncProtocol.FAILED) {
            throw new TaskFailedException(SyncProtocol.decodeFailure(b));
          }
          if (op != SyncProtocol.RESULT) {
            throw new IOException("unexpected message " + op);
          }
          int partition = b.getInt();
          int s = b.getInt();
          if (partition != p || s != step) {
            throw new IOException(
                "out of step: expected partition "
                    + p
                    + " step "
                    + step
                    + ", received partition "
                    + partition
                    + " step "
                    + s);
          }
          double loss = b.getDouble();
          long count = b.getLong();
          double correct = b.getDouble();
          long computeNanos = b.getLong();
          SyncProtocol.readFloats(b, grad, "gradient of partition " + p);
          return new StepResult(p, grad, loss, count, correct, computeNanos);
        } catch (IOException | RuntimeException e) {
          throw lost(p, false, "malformed result: " + e.getMessage(), e);
        }
      }
    }

    private TaskLostException lost(int p, boolean stalled, String reason, Throwable cause) {
      return new TaskLostException(p, conns[p].peer(), stalled, reason, cause);
    }

    /** Ends the tasks after the last step; a failure now costs nothing (every step is applied). */
    void finish() {
      byte[] done = SyncProtocol.buffer(4);
      int length = SyncProtocol.encodeOp(done, SyncProtocol.DONE);
      for (SyncChannel c : conns) {
        try {
          c.send(done, length);
        } catch (IOException e) {
          LOG.log(Level.FINE, "a task left before DONE", e);
        }
      }
      try {
        job.get(timeoutMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        LOG.log(Level.WARNING, "spark-cnn: the epoch's tasks did not end cleanly", e);
        job.cancel(true);
      }
      closeAll();
    }

    /** Tells the live tasks to end quietly, cancels the stage and closes every connection. */
    void abort() {
      byte[] abort = SyncProtocol.buffer(4);
      int length = SyncProtocol.encodeOp(abort, SyncProtocol.ABORT);
      for (SyncChannel c : conns) {
        if (c != null && !c.isClosed()) {
          try {
            c.send(abort, length);
          } catch (IOException e) {
            // That task is gone already.
          }
        }
      }
      job.cancel(true);
      closeAll();
    }

    private void closeAll() {
      for (int i = 0; i < conns.length; i++) {
        if (conns[i] != null) {
          conns[i].close();
          conns[i] = null;
        }
      }
    }

    private Throwable jobFailure() {
      try {
        job.get(0, TimeUnit.MILLISECONDS);
        return null;
      } catch (ExecutionException e) {
        return e.getCause();
      } catch (Exception e) {
        return e;
      }
    }
  }

  /** The body of each barrier task: serve the driver's steps until it says DONE or ABORT. */
  private static final class EpochTask
      implements SparkInternals.PartitionFunction<ImageBlock, Integer> {
    private static final long serialVersionUID = 1L;
    private final SyncClient.Endpoint driver;
    private final TrainingPlan plan;

    EpochTask(SyncClient.Endpoint driver, TrainingPlan plan) {
      this.driver = driver;
      this.plan = plan;
    }

    @Override
    public Iterator<Integer> apply(Iterator<ImageBlock> it) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int partition = ctx.partitionId();
      SyncClient.run(driver, partition, ctx.attemptNumber(), plan, it::next);
      return Collections.singletonList(partition).iterator();
    }
  }

  @Override
  public void close() {
    server.close();
  }

  /** A task reported that its step failed; the message is the task's reason. */
  private static final class TaskFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    TaskFailedException(String message) {
      super(message);
    }
  }

  /** A task's connection dropped or went silent, or the stage failed: worth a relaunch. */
  private static final class TaskLostException extends Exception {
    private static final long serialVersionUID = 1L;
    final int partition;
    final transient SyncHello peer;
    final boolean stalled;
    final long detectedNanos = System.nanoTime();

    TaskLostException(
        int partition, SyncHello peer, boolean stalled, String reason, Throwable cause) {
      super(reason, cause);
      this.partition = partition;
      this.peer = peer;
      this.stalled = stalled;
    }

    String describe() {
      if (peer == null) {
        String cause = getCause() == null ? "" : ": " + SparkErrors.rootMessage(getCause());
        return getMessage() + cause;
      }
      return peer.where() + " lost the task of partition " + partition + " (" + getMessage() + ")";
    }
  }
}
