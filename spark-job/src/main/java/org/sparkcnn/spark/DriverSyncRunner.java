package org.sparkcnn.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.core.settings.TrainingSettings;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * The low-overhead way: one Spark barrier stage per epoch whose tasks stay alive for all of the
 * epoch's steps and exchange weights and gradients with the driver over the sync channel ({@link
 * SyncServer}, {@link SyncChannel}: bound to the driver's bind address, authenticated with a
 * per-run key, optionally encrypted). The tasks that share an executor JVM share one connection
 * ({@link ExecutorGroup}): per step, the driver sends the weights once per executor, each executor
 * sends its partitions' results pre-summed into the {@link ReductionTree} nodes it holds whole, and
 * the driver completes the tree and applies the optimizer: the same synchronous SGD as {@link
 * JobPerStepRunner}, bit for bit, without a Spark job per step, and with one weight vector and (for
 * co-located aligned partitions) one gradient vector per executor instead of per task.
 *
 * <p>In the sharded topology ({@link SyncTopology#SHARDED}) the driver is off the steps' path: at
 * each launch it sends every executor group its shard of the weights and of the optimizer's state
 * (the step in flight, the step counter); the groups then run the launch's steps among themselves
 * ({@link GroupExchange}), each applying the optimizer to its own shard, and send the driver their
 * shard of each step's gradient sum. The driver applies every step to its own copy of the weights
 * and optimizer (the same core code on the same sums: the same bits as the owners' shards), which
 * is what the divergence check, the checkpoints, a relaunch and the end of the run see.
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
  static final int DEFAULT_MAX_TASK_FAILURES = TrainingSettings.MAX_TASK_FAILURES.defaultValue();
  private static final String JOB_DESCRIPTION = "spark.job.description";
  private static final String JOB_INTERRUPT_ON_CANCEL = "spark.job.interruptOnCancel";

  private final JavaSparkContext jsc;
  private final JavaRDD<ImageBlock> blocks;
  private final TrainingPlan plan;
  private final int partitions;
  private final SyncSecret secret;

  /** Tells this run's executor groups from an earlier run's (see {@link SyncClient.Endpoint}). */
  private final long run = new SecureRandom().nextLong();

  private final SyncServer server;
  private final String host;
  private final int timeoutMillis;
  private final int maxTaskFailures;
  private final ClusterRecovery recovery;
  private int taskFailures;
  private int launches;
  private int lastEpochLaunched = -1;
  private int lastConnections;
  private final AtomicLong lateTasks = new AtomicLong();
  private volatile List<InetSocketAddress> peerEndpoints = List.of();
  private byte[] stepBuffer = new byte[0];
  private final boolean sharded;
  private final Optimizer optimizer;
  private final String shardOptimizer;
  private long bytesSent;
  private long bytesReceived;

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
    this(jsc, blocks, plan, timeoutSeconds, maxTaskFailures, SyncTopology.STAR, null);
  }

  /**
   * @param topology how gradients and weights travel: through the driver ({@link
   *     SyncTopology#STAR}) or reduced between executors, the driver seeing each weight once per
   *     step in each direction ({@link SyncTopology#SHARDED})
   * @param optimizer the optimizer the step applier applies to the weights (the model's): in the
   *     sharded topology the executors apply a copy of it to their shards, starting each launch
   *     from its state; unused (may be null) in the star topology
   */
  DriverSyncRunner(
      JavaSparkContext jsc,
      JavaRDD<ImageBlock> blocks,
      TrainingPlan plan,
      int timeoutSeconds,
      int maxTaskFailures,
      SyncTopology topology,
      Optimizer optimizer) {
    this.sharded = topology == SyncTopology.SHARDED;
    if (sharded && !SyncTopology.shardable(optimizer)) {
      throw ErrorText.problem("the sharded topology applies the optimizer on the executors")
          .received(optimizer == null ? "no optimizer" : optimizer.getClass().getName())
          .expected("the built-in SGD or Adam")
          .hint("\"sync_topology\": \"star\"")
          .illegalArgument();
    }
    this.optimizer = sharded ? optimizer : null;
    this.shardOptimizer = sharded ? Json.writeCompact(optimizer.config()) : null;
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

  /** Payload bytes the driver sent and received over the sync channel so far (bench, tests). */
  long[] driverBytes() {
    return new long[] {bytesSent, bytesReceived};
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

  /** Connections with the run's key that belonged to another run or an earlier launch. */
  long lateTaskConnections() {
    return lateTasks.get();
  }

  /** The run's id, which every task's hello carries (tests play a late task). */
  long runId() {
    return run;
  }

  /** The run's secret (tests check that it shows nowhere). */
  SyncSecret secret() {
    return secret;
  }

  /** Where the current launch's executor groups accept their peers (sharded; tests). */
  List<InetSocketAddress> peerEndpoints() {
    return peerEndpoints;
  }

  /** How many executor connections the last launch's partitions came over (tests, logs). */
  int connectionsOfLastLaunch() {
    return lastConnections;
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
          PartialSum sum = stage.step(epoch, step, firstGlobalStep + step, params);
          total = total.plus(sum.stats());
          params = applier.apply(sum);
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

  /** One connected executor: its channel, the partitions it speaks for, its tree nodes. */
  private static final class Group {
    final SyncChannel channel;
    final SyncProtocol.GroupHello hello;
    final int[] partitions;
    final List<int[]> nodes;
    float[][] buffers;

    Group(SyncChannel channel, SyncProtocol.GroupHello hello, int allPartitions) {
      this.channel = channel;
      this.hello = hello;
      this.partitions = hello.partitions();
      boolean[] held = new boolean[allPartitions];
      for (int p : partitions) {
        held[p] = true;
      }
      this.nodes = ReductionTree.cover(allPartitions, held);
    }

    String describe() {
      StringBuilder b = new StringBuilder(partitions.length == 1 ? "partition " : "partitions ");
      for (int i = 0; i < partitions.length; i++) {
        b.append(i == 0 ? "" : ", ").append(partitions[i]);
      }
      return b.toString();
    }
  }

  /** One launch of the epoch's barrier stage and the connections of its executors. */
  private final class Stage {
    private final int launch = ++launches;
    private final JavaFutureAction<List<Integer>> job;
    private final List<Group> groups = new ArrayList<>();
    private final Group[] byPartition = new Group[partitions];
    private float[] fullGradient;
    private boolean started;

    Stage(int epoch) {
      awaitSlots();
      SyncClient.Endpoint endpoint =
          new SyncClient.Endpoint(
              run,
              host,
              server.port(),
              secret,
              server.encrypt(),
              launch,
              timeoutMillis,
              shardOptimizer);
      EpochTask task = new EpochTask(endpoint, plan, partitions);
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

    /**
     * Waits until every partition of this launch is spoken for by a connected, authenticated
     * executor group.
     */
    void connect() throws TaskLostException, InterruptedException {
      int connected = 0;
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (connected < partitions) {
        if (job.isDone()) {
          throw new TaskLostException(
              null, false, "the stage ended before all its tasks connected", jobFailure());
        }
        if (System.currentTimeMillis() > deadline) {
          throw new TrainingFailedException(
              ErrorText.problem("spark-cnn training could not start its tasks")
                  .received(
                      connected
                          + " of "
                          + partitions
                          + " partitions' tasks connected to the driver's sync port within "
                          + timeoutMillis / 1000
                          + " s")
                  .expected("all of them")
                  .hint(
                      "check that executors can reach "
                          + host
                          + ":"
                          + server.port()
                          + " (spark.driver.host, spark.driver.bindAddress) or use \"sync\":"
                          + " \"jobs\"")
                  .text(),
              null);
        }
        SyncChannel c = server.poll(200);
        if (c == null) {
          continue;
        }
        SyncHello h = c.peer();
        if (h.role() != SyncHello.TASK || h.run() != run || h.launch() != launch) {
          // A task of an earlier launch, or of another run of this application (same key under
          // spark.authenticate) that got this run's port from the OS: late, and not ours.
          c.close();
          lateTasks.incrementAndGet();
          LOG.info(
              "spark-cnn: closed a late task connection (partition "
                  + h.partition()
                  + ", "
                  + (h.run() != run ? "another run" : "launch " + h.launch())
                  + ", "
                  + h.where()
                  + ") while launch "
                  + launch
                  + " starts");
          continue;
        }
        SyncProtocol.GroupHello gh;
        try {
          ByteBuffer b =
              c.receive(SyncProtocol.groupBytes(partitions), SyncServer.HANDSHAKE_MILLIS);
          if (b.getInt() != SyncProtocol.GROUP) {
            throw new IOException("expected the executor's group first");
          }
          gh = SyncProtocol.decodeGroup(b, partitions);
          if (sharded && gh.peerPort() == 0) {
            throw new IOException("a sharded run's executor group without a peer port");
          }
        } catch (IOException | RuntimeException e) {
          LOG.log(Level.WARNING, "spark-cnn: dropped a task connection without a valid group", e);
          c.close();
          continue;
        }
        c.boundSends(server.watchdog(), SyncProtocol.STALL_MILLIS);
        c.countAs(SyncTraffic.Side.DRIVER);
        for (int p : gh.partitions()) {
          Group old = byPartition[p];
          if (old != null) {
            // A task connected again for a partition (should not happen within one launch): the
            // newer connection wins and the older one's partitions are free again.
            old.channel.close();
            groups.remove(old);
            for (int q : old.partitions) {
              byPartition[q] = null;
              connected--;
            }
          }
        }
        Group g = new Group(c, gh, partitions);
        groups.add(g);
        for (int p : gh.partitions()) {
          byPartition[p] = g;
          connected++;
        }
      }
      if (lastConnections != groups.size()) {
        // Once per run, and again when a relaunch lands the tasks on other executors.
        LOG.info(
            "spark-cnn: "
                + partitions
                + " partitions over "
                + groups.size()
                + " executor connection(s), "
                + (sharded ? "sharded" : "star")
                + " topology");
      }
      lastConnections = groups.size();
      if (sharded) {
        introducePeers();
      }
      LOG.fine(
          () ->
              "spark-cnn: launch "
                  + launch
                  + ": "
                  + groups.size()
                  + " executor connection(s) for "
                  + partitions
                  + " partitions");
    }

    /**
     * Sharded topology: tells every group, in the order of their lowest partitions (shard j belongs
     * to the j-th; renumbered for recursive halving, {@link HalvingExchange#numbered}), where all
     * of them listen and which partitions each holds.
     */
    private void introducePeers() throws TaskLostException {
      groups.sort((a, b) -> Integer.compare(a.partitions[0], b.partitions[0]));
      if (HalvingExchange.applies(groups.size())) {
        List<Group> numbered = HalvingExchange.numbered(groups);
        groups.clear();
        groups.addAll(numbered);
      }
      List<SyncProtocol.GroupHello> hellos = new ArrayList<>();
      List<InetSocketAddress> endpoints = new ArrayList<>();
      for (Group g : groups) {
        hellos.add(g.hello);
        endpoints.add(new InetSocketAddress(g.hello.peerHost(), g.hello.peerPort()));
      }
      peerEndpoints = List.copyOf(endpoints);
      byte[] buf = SyncProtocol.buffer(SyncProtocol.peersBytes(groups.size(), partitions));
      for (int j = 0; j < groups.size(); j++) {
        Group g = groups.get(j);
        try {
          g.channel.send(buf, SyncProtocol.encodePeers(buf, j, hellos));
        } catch (IOException e) {
          throw lost(g, false, "sending the peer list failed: " + e.getMessage(), e);
        }
      }
    }

    PartialSum step(int epoch, int step, long globalStep, float[] params)
        throws TaskLostException, TaskFailedException {
      long cpu = SyncTraffic.cpuNanos();
      try {
        return exchange(epoch, step, globalStep, params);
      } finally {
        SyncTraffic.Side.DRIVER.cpu(SyncTraffic.cpuNanos() - cpu);
      }
    }

    private PartialSum exchange(int epoch, int step, long globalStep, float[] params)
        throws TaskLostException, TaskFailedException {
      int n = params.length;
      int g = groups.size();
      if (!sharded) {
        sendWeights(epoch, step, globalStep, params);
      } else if (!started) {
        start(epoch, step, globalStep, params);
        started = true;
      }
      long deadline = System.currentTimeMillis() + timeoutMillis;
      List<PartialSum> parts = new ArrayList<>();
      for (int j = 0; j < g; j++) {
        Group group = groups.get(j);
        int len =
            sharded ? SyncProtocol.shardStart(n, g, j + 1) - SyncProtocol.shardStart(n, g, j) : n;
        if (group.buffers == null || group.buffers[0].length != len) {
          group.buffers = new float[sharded ? 1 : group.nodes.size()][len];
        }
        readResult(group, step, deadline, parts);
      }
      if (!sharded) {
        return ReductionTree.reduce(parts, 0, partitions);
      }
      acknowledge(step);
      // Every owner completed the same tree for its shard: the stats of each are the whole step's.
      if (fullGradient == null || fullGradient.length != n) {
        fullGradient = new float[n];
      }
      for (int j = 0; j < g; j++) {
        float[] shard = parts.get(j).gradientSum();
        System.arraycopy(shard, 0, fullGradient, SyncProtocol.shardStart(n, g, j), shard.length);
      }
      PartialSum first = parts.get(0);
      return new PartialSum(
          0,
          partitions,
          fullGradient,
          first.lossSum(),
          first.count(),
          first.correct(),
          first.slowestComputeNanos());
    }

    /** Sharded: tells every group that this step's sums are taken (its run-ahead window moves). */
    private void acknowledge(int step) throws TaskLostException {
      byte[] ack = SyncProtocol.buffer(SyncProtocol.ACK_BYTES);
      int length = SyncProtocol.encodeAck(ack, step);
      for (Group group : groups) {
        try {
          group.channel.send(ack, length);
          bytesSent += length;
        } catch (IOException e) {
          throw lost(group, false, "sending an acknowledgement failed: " + e.getMessage(), e);
        }
      }
    }

    /** Star: every group gets all the weights of the step (one encoding). */
    private void sendWeights(int epoch, int step, long globalStep, float[] params)
        throws TaskLostException {
      int bytes = SyncProtocol.stepBytes(params.length);
      if (stepBuffer.length < SyncChannel.HEADER + bytes) {
        stepBuffer = SyncProtocol.buffer(bytes);
      }
      int length = SyncProtocol.encodeStep(stepBuffer, epoch, step, globalStep, params);
      for (Group group : groups) {
        try {
          group.channel.send(stepBuffer, length);
          bytesSent += length;
        } catch (IOException e) {
          throw lost(group, false, "sending the weights failed: " + e.getMessage(), e);
        }
      }
    }

    /**
     * Sharded: sends group j its shard of the weights and of the optimizer's state as they are
     * before {@code step}, and the steps to run: the rest of the epoch.
     */
    private void start(int epoch, int step, long globalStep, float[] params)
        throws TaskLostException {
      int n = params.length;
      int g = groups.size();
      for (int j = 0; j < g; j++) {
        Group group = groups.get(j);
        int lo = SyncProtocol.shardStart(n, g, j);
        int hi = SyncProtocol.shardStart(n, g, j + 1);
        int bytes = SyncProtocol.startBytes(hi - lo, optimizer.state().size());
        if (stepBuffer.length < SyncChannel.HEADER + bytes) {
          stepBuffer = SyncProtocol.buffer(bytes);
        }
        int length =
            SyncProtocol.encodeStart(
                stepBuffer,
                epoch,
                step,
                plan.stepsPerEpoch(),
                globalStep,
                optimizer.iterations(),
                params,
                optimizer.state(),
                lo,
                hi);
        try {
          group.channel.send(stepBuffer, length);
          bytesSent += length;
        } catch (IOException e) {
          throw lost(group, false, "sending the start failed: " + e.getMessage(), e);
        }
      }
    }

    /** Reads group g's result, skipping heartbeats; a silence of STALL_MILLIS is a stall. */
    private void readResult(Group g, int step, long deadline, List<PartialSum> into)
        throws TaskLostException, TaskFailedException {
      int n = g.buffers[0].length;
      List<int[]> nodes = sharded ? List.of(new int[] {0, partitions}) : g.nodes;
      while (true) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw lost(
              g,
              false,
              "no result within timeout_seconds=" + timeoutMillis / 1000 + " (heartbeats went on)",
              null);
        }
        ByteBuffer b;
        try {
          b =
              g.channel.receive(
                  SyncProtocol.taskFrameBytes(n, Math.max(nodes.size(), 1)),
                  (int) Math.min(left, SyncProtocol.STALL_MILLIS));
        } catch (SocketTimeoutException e) {
          if (System.currentTimeMillis() < deadline) {
            throw lost(
                g,
                true,
                "no heartbeat for " + SyncProtocol.STALL_MILLIS / 1000 + " s (executor frozen?)",
                e);
          }
          continue;
        } catch (IOException e) {
          throw lost(g, false, String.valueOf(e.getMessage()), e);
        }
        int op = b.getInt();
        if (op == SyncProtocol.HEARTBEAT) {
          continue;
        }
        bytesReceived += b.limit();
        if (op == SyncProtocol.PEER_LOST) {
          throw peerLost(g, b);
        }
        try {
          if (op == SyncProtocol.FAILED) {
            throw new TaskFailedException(SyncProtocol.decodeFailure(b));
          }
          if (op != SyncProtocol.RESULT) {
            throw new IOException("unexpected message " + op);
          }
          int s = b.getInt();
          int k = b.getInt();
          if (s != step || k != nodes.size()) {
            throw new IOException(
                ErrorText.problem("out of step")
                    .received("step " + s + " with " + k + " partial sums")
                    .expected("step " + step + " with " + nodes.size())
                    .text());
          }
          for (int i = 0; i < k; i++) {
            int[] node = nodes.get(i);
            into.add(SyncProtocol.readPart(b, node[0], node[1], g.buffers[i]));
          }
          if (b.hasRemaining()) {
            throw new IOException(b.remaining() + " bytes after the last partial sum");
          }
          return;
        } catch (IOException | RuntimeException e) {
          throw lost(g, false, "malformed result: " + e.getMessage(), e);
        }
      }
    }

    private TaskLostException lost(Group g, boolean stalled, String reason, Throwable cause) {
      return new TaskLostException(g, stalled, reason, cause);
    }

    /** A group reported that a peer group failed (sharded): that peer is the one lost. */
    private TaskLostException peerLost(Group reporter, ByteBuffer b) {
      try {
        int peer = b.getInt();
        boolean stalled = b.getInt() != 0;
        String reason = SyncProtocol.decodeFailure(b);
        Group lostGroup = peer >= 0 && peer < groups.size() ? groups.get(peer) : reporter;
        return lost(
            lostGroup, stalled, reason + ", reported by the group of " + reporter.describe(), null);
      } catch (IOException | RuntimeException e) {
        return lost(reporter, false, "malformed peer-lost report: " + e.getMessage(), e);
      }
    }

    /** Ends the tasks after the last step; a failure now costs nothing (every step is applied). */
    void finish() {
      byte[] done = SyncProtocol.buffer(4);
      int length = SyncProtocol.encodeOp(done, SyncProtocol.DONE);
      for (Group g : groups) {
        try {
          g.channel.send(done, length);
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
      for (Group g : groups) {
        if (!g.channel.isClosed()) {
          try {
            g.channel.send(abort, length);
          } catch (IOException e) {
            // That task is gone already.
          }
        }
      }
      job.cancel(true);
      closeAll();
    }

    private void closeAll() {
      for (Group g : groups) {
        g.channel.close();
      }
      groups.clear();
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
    private final int partitions;

    EpochTask(SyncClient.Endpoint driver, TrainingPlan plan, int partitions) {
      this.driver = driver;
      this.plan = plan;
      this.partitions = partitions;
    }

    @Override
    public Iterator<Integer> apply(Iterator<ImageBlock> it) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int partition = ctx.partitionId();
      int[] colocated = colocated(ctx.getTaskInfos(), partition);
      SyncClient.run(driver, partition, ctx.attemptNumber(), colocated, partitions, plan, it::next);
      return Collections.singletonList(partition).iterator();
    }
  }

  /**
   * Tests only: splits the tasks that share a JVM into groups by this key (local mode has one
   * executor, so this is how tests reach the topologies a cluster's placement produces); null in
   * production.
   */
  static volatile IntUnaryOperator testGroups;

  /**
   * The partitions of this launch whose tasks run in the same executor JVM as {@code partition}'s,
   * sorted: those with the same executor address (host:port of its RPC endpoint, unique per JVM).
   */
  static int[] colocated(BarrierTaskInfo[] infos, int partition) {
    IntUnaryOperator split =
        testGroups == null && Boolean.getBoolean(SyncTraffic.SIMULATE_EXECUTORS)
            ? p -> p
            : testGroups;
    String mine = infos[partition].address();
    int key = split == null ? 0 : split.applyAsInt(partition);
    return IntStream.range(0, infos.length)
        .filter(
            p -> infos[p].address().equals(mine) && (split == null || split.applyAsInt(p) == key))
        .toArray();
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
    final transient SyncHello peer;
    final transient String partitionsLost;
    final boolean stalled;
    final long detectedNanos = System.nanoTime();

    TaskLostException(Group group, boolean stalled, String reason, Throwable cause) {
      super(reason, cause);
      this.peer = group == null ? null : group.channel.peer();
      this.partitionsLost = group == null ? null : group.describe();
      this.stalled = stalled;
    }

    String describe() {
      if (peer == null) {
        String cause = getCause() == null ? "" : ": " + SparkErrors.rootMessage(getCause());
        return getMessage() + cause;
      }
      String tasks =
          partitionsLost.startsWith("partitions") ? " lost the tasks of " : " lost the task of ";
      return peer.where() + tasks + partitionsLost + " (" + getMessage() + ")";
    }
  }
}
