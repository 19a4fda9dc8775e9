package org.sparkcnn.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * The task's end of a driver-sync epoch: connect and authenticate, then receive weights, compute
 * this partition's share and send the sum, until the driver says DONE (or ABORT, when it relaunches
 * the stage). A heartbeat thread tells the driver the JVM is alive while a step computes.
 */
final class SyncClient {
  /** What a test makes a task do before a step; tasks run in the test's JVM in local mode. */
  enum Fault {
    NONE,
    /** Drop the connection and fail the task, as a killed executor would. */
    CRASH,
    /** Stop the heartbeats and hang until interrupted, as a frozen (SIGSTOP) executor would. */
    STALL
  }

  /** Tests only: chooses a fault per (launch, partition, epoch, step); null in production. */
  interface FaultPlan {
    Fault before(int launch, int partition, int epoch, int step);
  }

  static volatile FaultPlan faults;

  private SyncClient() {}

  /** Where the driver listens, how to prove the key, and which launch this task belongs to. */
  record Endpoint(
      String host, int port, SyncSecret secret, boolean encrypt, int launch, int timeoutMillis)
      implements Serializable {}

  /**
   * Serves the driver's steps for {@code partition}. Connects (and starts the heartbeat) before it
   * takes its block from {@code data}, so that from the moment the task starts the driver hears
   * from it, even while the block is read or recomputed.
   */
  static void run(
      Endpoint driver, int partition, int attempt, TrainingPlan plan, Supplier<ImageBlock> data) {
    int n = ExecutorModels.get(plan).paramCount();
    SyncHello hello =
        new SyncHello(
            SyncHello.TASK,
            driver.launch(),
            partition,
            attempt,
            SparkInternals.executorId(),
            SparkInternals.executorHost(),
            ProcessHandle.current().pid());
    try (SyncChannel channel =
        SyncChannel.connect(
            driver.host(),
            driver.port(),
            driver.secret().key(),
            driver.encrypt(),
            hello,
            driver.timeoutMillis())) {
      Heartbeat heartbeat = new Heartbeat(channel);
      heartbeat.start();
      try {
        byte[] out = SyncProtocol.buffer(SyncProtocol.taskFrameBytes(n));
        PartitionStepper stepper;
        try {
          stepper = new PartitionStepper(plan, data.get(), partition);
        } catch (RuntimeException e) {
          // Bad data: tell the driver why, so the fit fails with this reason.
          channel.send(out, SyncProtocol.encodeFailure(out, "partition " + partition + ": " + e));
          throw e;
        }
        serve(channel, heartbeat, driver, stepper, partition, n, out);
      } finally {
        heartbeat.halt();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "spark-cnn task for partition "
              + partition
              + " lost its connection to the driver at "
              + driver.host()
              + ":"
              + driver.port(),
          e);
    }
  }

  private static void serve(
      SyncChannel channel,
      Heartbeat heartbeat,
      Endpoint driver,
      PartitionStepper stepper,
      int partition,
      int n,
      byte[] out)
      throws IOException {
    float[] params = new float[n];
    float[] grad = new float[n];
    while (true) {
      ByteBuffer b = channel.receive(SyncProtocol.stepBytes(n), driver.timeoutMillis());
      int op = b.getInt();
      if (op == SyncProtocol.DONE || op == SyncProtocol.ABORT) {
        return;
      }
      if (op != SyncProtocol.STEP) {
        throw new IOException("unexpected message " + op + " from the driver");
      }
      int epoch = b.getInt();
      int step = b.getInt();
      long globalStep = b.getLong();
      SyncProtocol.readFloats(b, params, "weights of step " + step);
      injectFault(driver.launch(), partition, epoch, step, channel, heartbeat);
      StepResult r;
      try {
        r = stepper.step(params, epoch, step, globalStep, grad);
      } catch (RuntimeException e) {
        // Tell the driver why, so the fit fails with this reason rather than a lost connection.
        channel.send(out, SyncProtocol.encodeFailure(out, "partition " + partition + ": " + e));
        throw e;
      }
      channel.send(out, SyncProtocol.encodeResult(out, r, step));
    }
  }

  private static void injectFault(
      int launch, int partition, int epoch, int step, SyncChannel channel, Heartbeat heartbeat) {
    FaultPlan plan = faults;
    Fault f = plan == null ? Fault.NONE : plan.before(launch, partition, epoch, step);
    if (f == Fault.CRASH) {
      channel.close();
      throw new IllegalStateException("injected crash of partition " + partition);
    }
    if (f == Fault.STALL) {
      heartbeat.halt();
      try {
        Thread.sleep(600_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("injected stall of partition " + partition + " ended");
    }
  }

  /** Sends a HEARTBEAT every {@link SyncProtocol#HEARTBEAT_MILLIS} until halted or closed. */
  private static final class Heartbeat extends Thread {
    private final SyncChannel channel;
    private volatile boolean halted;

    Heartbeat(SyncChannel channel) {
      super("spark-cnn-sync-heartbeat");
      setDaemon(true);
      this.channel = channel;
    }

    @Override
    public void run() {
      byte[] buf = SyncProtocol.buffer(4);
      int len = SyncProtocol.encodeOp(buf, SyncProtocol.HEARTBEAT);
      while (!halted) {
        try {
          Thread.sleep(SyncProtocol.HEARTBEAT_MILLIS);
          if (!halted) {
            channel.send(buf, len);
          }
        } catch (InterruptedException | IOException e) {
          return;
        }
      }
    }

    void halt() {
      halted = true;
      interrupt();
    }
  }
}
