package org.sparkcnn.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.core.model.BatchStats;

/**
 * The low-overhead way: one Spark barrier stage per epoch whose tasks stay alive for all of the
 * epoch's steps and exchange weights and gradients with the driver over TCP. Per step, the driver
 * sends the weights to every task, waits for every partition's gradient sum, adds them in partition
 * order and applies the optimizer: the same synchronous SGD as {@link JobPerStepRunner}, bit for
 * bit, without a Spark job per step.
 *
 * <p>A barrier stage runs all its tasks at once (so no task waits for a slot another task holds)
 * and fails as a whole; this runner therefore needs at least as many task slots as partitions,
 * which the trainer checks before choosing it. A task that fails reports its reason to the driver
 * before it ends, and the fit fails with that reason (Spark does not retry a barrier result stage);
 * every wait has a timeout, so nothing hangs.
 */
final class DriverSyncRunner implements EpochRunner {
  private static final Logger LOG = Logger.getLogger(DriverSyncRunner.class.getName());

  private final JavaSparkContext jsc;
  private final JavaRDD<ImageBlock> blocks;
  private final TrainingPlan plan;
  private final int partitions;
  private final ServerSocket server;
  private final String host;
  private final long token = new SecureRandom().nextLong();
  private final int timeoutMillis;
  private final ByteBuffer scratch = SyncProtocol.scratch();

  DriverSyncRunner(
      JavaSparkContext jsc, JavaRDD<ImageBlock> blocks, TrainingPlan plan, int timeoutSeconds) {
    this.jsc = jsc;
    this.blocks = blocks;
    this.plan = plan;
    this.partitions = blocks.getNumPartitions();
    this.timeoutMillis = timeoutSeconds * 1000;
    this.host = jsc.getConf().get("spark.driver.host", "localhost");
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(0), partitions * 2);
    } catch (IOException e) {
      throw new IllegalStateException(
          "could not open the driver's gradient port; use "
              + "\"sync\": \"jobs\" where the driver cannot listen for executors",
          e);
    }
  }

  @Override
  public String name() {
    return "driver-sync";
  }

  @Override
  public BatchStats runEpoch(
      int epoch, int fromStep, long firstGlobalStep, float[] params, StepApplier applier) {
    String group = "spark-cnn-epoch-" + epoch + "-" + Long.toHexString(token);
    CompletableFuture<List<Integer>> job = launchTasks(epoch, firstGlobalStep, group);
    Connection[] conns = new Connection[partitions];
    BatchStats total = BatchStats.EMPTY;
    int step = fromStep;
    try {
      acceptAll(conns, job);
      StepResult[] results = new StepResult[partitions];
      float[][] grads = new float[partitions][params.length];
      for (; step < plan.stepsPerEpoch(); step++) {
        for (Connection c : conns) {
          c.sendStep(epoch, step, firstGlobalStep + step, params);
        }
        for (int p = 0; p < partitions; p++) {
          results[p] = conns[p].readResult(step, grads[p]);
        }
        for (StepResult r : results) {
          total = total.plus(r.stats());
        }
        params = applier.apply(results);
      }
      for (Connection c : conns) {
        c.sendDone();
      }
      job.get(timeoutMillis, TimeUnit.MILLISECONDS);
      return total;
    } catch (TaskFailedException e) {
      throw new IllegalArgumentException(
          "spark-cnn training failed in epoch "
              + (epoch + 1)
              + ", step "
              + step
              + ": "
              + e.getMessage(),
          e);
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw failure(job, "epoch " + (epoch + 1) + " failed at step " + step, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(job, "interrupted", e);
    } finally {
      closeAll(conns);
      if (!job.isDone()) {
        jsc.cancelJobGroup(group);
      }
    }
  }

  private CompletableFuture<List<Integer>> launchTasks(
      int epoch, long firstGlobalStep, String group) {
    TrainingPlan p = plan;
    String h = host;
    int port = server.getLocalPort();
    long t = token;
    int timeout = timeoutMillis;
    return CompletableFuture.supplyAsync(
        () -> {
          jsc.setJobGroup(group, "spark-cnn training epoch " + (epoch + 1), true);
          EpochTask task = new EpochTask(h, port, t, timeout, p);
          return org.apache.spark.api.java.JavaRDD.fromRDD(
                  blocks.rdd().barrier().mapPartitions(task, false, INT_TAG), INT_TAG)
              .collect();
        });
  }

  private static final scala.reflect.ClassTag<Integer> INT_TAG =
      scala.reflect.ClassTag$.MODULE$.apply(Integer.class);

  /** The body of each barrier task: serve the driver's steps until it says DONE. */
  private static final class EpochTask
      extends scala.runtime.AbstractFunction1<
          scala.collection.Iterator<ImageBlock>, scala.collection.Iterator<Integer>>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final String host;
    private final int port;
    private final long token;
    private final int timeout;
    private final TrainingPlan plan;

    EpochTask(String host, int port, long token, int timeout, TrainingPlan plan) {
      this.host = host;
      this.port = port;
      this.token = token;
      this.timeout = timeout;
      this.plan = plan;
    }

    @Override
    public scala.collection.Iterator<Integer> apply(scala.collection.Iterator<ImageBlock> it) {
      org.apache.spark.BarrierTaskContext ctx = org.apache.spark.BarrierTaskContext.get();
      int partition = ctx.partitionId();
      SyncClient.run(host, port, token, partition, ctx.attemptNumber(), timeout, plan, it.next());
      return scala.jdk.javaapi.CollectionConverters.asScala(
          Collections.singletonList(partition).iterator());
    }
  }

  /** Waits until every partition's task has said hello (a retried task replaces its old one). */
  private void acceptAll(Connection[] conns, CompletableFuture<?> job) throws IOException {
    int connected = 0;
    for (Connection c : conns) {
      connected += c == null ? 0 : 1;
    }
    long deadline = System.currentTimeMillis() + timeoutMillis;
    server.setSoTimeout(1000);
    while (connected < partitions) {
      if (job.isCompletedExceptionally()) {
        throw failure(job, "the epoch's tasks failed before all connected", null);
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException(
            "only "
                + connected
                + " of "
                + partitions
                + " tasks connected to "
                + "the driver within "
                + timeoutMillis / 1000
                + " s; check that executors can reach "
                + host
                + ":"
                + server.getLocalPort()
                + " or use \"sync\": \"jobs\"");
      }
      Socket s;
      try {
        s = server.accept();
      } catch (SocketTimeoutException e) {
        continue;
      }
      Connection c = Connection.open(s, token, partitions, timeoutMillis, scratch);
      if (c == null) {
        continue;
      }
      if (conns[c.partition] != null) {
        conns[c.partition].close();
        connected--;
      }
      conns[c.partition] = c;
      connected++;
    }
  }

  private IllegalStateException failure(CompletableFuture<?> job, String what, Throwable e) {
    Throwable cause = e;
    if (job.isCompletedExceptionally()) {
      try {
        job.getNow(null);
      } catch (Exception jobError) {
        cause = jobError;
      }
    }
    return new IllegalStateException(
        "spark-cnn training " + what + (cause == null ? "" : ": " + SparkErrors.rootMessage(cause)),
        cause);
  }

  private static void closeAll(Connection[] conns) {
    for (int i = 0; i < conns.length; i++) {
      if (conns[i] != null) {
        conns[i].close();
        conns[i] = null;
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing a listening socket has nothing to recover.
    }
  }

  /** A task reported that its step failed; the message is the task's reason. */
  private static final class TaskFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    TaskFailedException(String message) {
      super(message);
    }
  }

  /** The driver's end of one task's connection. */
  private static final class Connection {
    final Socket socket;
    final int partition;
    final DataInputStream in;
    final DataOutputStream out;
    final ByteBuffer scratch;

    private Connection(Socket socket, int partition, ByteBuffer scratch) throws IOException {
      this.socket = socket;
      this.partition = partition;
      this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
      this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
      this.scratch = scratch;
    }

    /** Reads the hello; returns null (and closes) for a stranger or a malformed hello. */
    static Connection open(
        Socket s, long token, int partitions, int timeoutMillis, ByteBuffer scratch) {
      try {
        s.setSoTimeout(timeoutMillis);
        s.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(s.getInputStream());
        int magic = in.readInt();
        long t = in.readLong();
        int partition = in.readInt();
        in.readInt(); // attempt: for logs only
        if (magic != SyncProtocol.MAGIC || t != token || partition < 0 || partition >= partitions) {
          s.close();
          return null;
        }
        return new Connection(s, partition, scratch);
      } catch (IOException e) {
        try {
          s.close();
        } catch (IOException ignored) {
          // The stranger is gone either way.
        }
        return null;
      }
    }

    void sendStep(int epoch, int step, long globalStep, float[] params) throws IOException {
      out.writeInt(SyncProtocol.STEP);
      out.writeInt(epoch);
      out.writeInt(step);
      out.writeLong(globalStep);
      SyncProtocol.writeFloats(out, params, scratch);
      out.flush();
    }

    void sendDone() throws IOException {
      out.writeInt(SyncProtocol.DONE);
      out.flush();
    }

    StepResult readResult(int step, float[] grad) throws IOException {
      if (in.readInt() == SyncProtocol.FAILED) {
        throw new TaskFailedException(in.readUTF());
      }
      int p = in.readInt();
      int s = in.readInt();
      if (p != partition || s != step) {
        throw new IOException(
            "out of step: partition "
                + partition
                + " expected step "
                + step
                + ", received partition "
                + p
                + " step "
                + s);
      }
      double loss = in.readDouble();
      long count = in.readLong();
      double correct = in.readDouble();
      long computeNanos = in.readLong();
      SyncProtocol.readFloats(in, grad, scratch, "gradient of partition " + p);
      return new StepResult(p, grad, loss, count, correct, computeNanos);
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Nothing to recover from a failed close.
      }
    }
  }
}
