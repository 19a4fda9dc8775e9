package org.sparkcnn.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * The executor's end of a driver-sync epoch. The tasks of one launch that share an executor JVM
 * form an {@link ExecutorGroup}: the lowest partition's task connects and authenticates, then
 * receives weights, has every co-located task compute its share, pre-sums their results into the
 * tree nodes it holds and sends them, until the driver says DONE (or ABORT, when it relaunches the
 * stage). A heartbeat thread tells the driver the JVM is alive while a step computes; in the
 * sharded topology another one tells the peers.
 *
 * <p>In the sharded topology the driver sends each group its shard of the weights and of the
 * optimizer's state once per launch (START); the groups then run the launch's steps among
 * themselves, each applying the optimizer to its own shard, and send the driver only their shard of
 * each step's gradient sum, which the driver applies to its own copy off the steps' path.
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

  /**
   * The most steps a sharded group of this JVM had started beyond the driver's last acknowledgement
   * (at most {@link SyncProtocol#RUN_AHEAD_STEPS}); tests reset and read it.
   */
  static final AtomicInteger RUN_AHEAD_SEEN = new AtomicInteger();

  private SyncClient() {}

  /**
   * Where the driver listens, how to prove the key, which run and launch this task belongs to, and
   * in the sharded topology the optimizer each group applies to its shard (its Keras config as
   * JSON; null in the star topology). {@code run} is random per run: an executor JVM outlives runs,
   * and a later run's server can get the same port and count its launches from 1 again.
   */
  record Endpoint(
      long run,
      String host,
      int port,
      SyncSecret secret,
      boolean encrypt,
      int launch,
      int timeoutMillis,
      String shardOptimizer)
      implements Serializable {

    boolean sharded() {
      return shardOptimizer != null;
    }

    /** A fresh optimizer of the run's settings, for this group's shard. */
    Optimizer newShardOptimizer() {
      Map<String, Object> config = Json.parseObject(shardOptimizer, "the run's optimizer");
      return Optimizer.fromConfig(String.valueOf(config.get("name")), config);
    }
  }

  /**
   * Serves the driver's steps for {@code partition}, one of {@code colocated} (the sorted
   * partitions of this launch on this executor). The leader connects (and starts the heartbeat)
   * before it takes its block from {@code data}, so that from the moment the task starts the driver
   * hears from it, even while the block is read or recomputed.
   */
  static void run(
      Endpoint driver,
      int partition,
      int attempt,
      int[] colocated,
      int allPartitions,
      TrainingPlan plan,
      Supplier<ImageBlock> data) {
    ExecutorGroup group = ExecutorGroup.of(driver, colocated);
    if (partition != group.leader()) {
      serveAsMember(group, driver, partition, plan, data);
      return;
    }
    try {
      lead(group, driver, partition, attempt, allPartitions, plan, data);
    } finally {
      group.close();
    }
  }

  private static void lead(
      ExecutorGroup group,
      Endpoint driver,
      int partition,
      int attempt,
      int allPartitions,
      TrainingPlan plan,
      Supplier<ImageBlock> data) {
    int n = ExecutorModels.get(plan).paramCount();
    SyncHello hello =
        new SyncHello(
            SyncHello.TASK,
            driver.run(),
            driver.launch(),
            partition,
            attempt,
            SparkInternals.executorId(),
            SparkInternals.executorHost(),
            ProcessHandle.current().pid());
    byte[] key = driver.secret().key();
    SyncServer peerServer = null;
    GroupExchange shards = null;
    try (SyncChannel channel =
        SyncChannel.connect(
            driver.host(), driver.port(), key, driver.encrypt(), hello, driver.timeoutMillis())) {
      channel.countAs(SyncTraffic.Side.GROUP);
      // Two beats: a send to the driver can wait while the driver is busy (a sharded group runs
      // ahead of it), and the peers must hear this JVM meanwhile.
      Heartbeat heartbeat = new Heartbeat("spark-cnn-sync-heartbeat", channel::send);
      Heartbeat peerBeat = new Heartbeat("spark-cnn-sync-peer-heartbeat", null);
      group.faultActions(
          channel::close,
          () -> {
            heartbeat.halt();
            peerBeat.halt();
          });
      if (driver.sharded()) {
        // Peers reach this group on the executor's own address, as Spark's block manager does.
        peerServer = new SyncServer(InetAddress.getByName(hello.host()), key, driver.encrypt(), 64);
      }
      byte[] groupFrame = SyncProtocol.buffer(SyncProtocol.groupBytes(allPartitions));
      channel.send(
          groupFrame,
          SyncProtocol.encodeGroup(
              groupFrame,
              group.partitions(),
              peerServer == null ? "" : peerServer.address().getHostAddress(),
              peerServer == null ? 0 : peerServer.port()));
      heartbeat.start();
      try {
        if (driver.sharded()) {
          ByteBuffer b =
              channel.receive(
                  SyncProtocol.peersBytes(allPartitions, allPartitions), driver.timeoutMillis());
          if (b.getInt() != SyncProtocol.PEERS) {
            throw new IOException("expected the list of peer executors from the driver");
          }
          SyncProtocol.Peers peers = SyncProtocol.decodePeers(b, allPartitions);
          PeerMesh mesh =
              PeerMesh.connect(
                  peers.self(),
                  peers.endpoints(),
                  GroupExchange.partners(peers.self(), peers.endpoints().size()),
                  peerServer,
                  key,
                  driver.encrypt(),
                  hello,
                  driver.launch(),
                  driver.timeoutMillis(),
                  peerServer.watchdog(),
                  m -> peerBeat.start(m::heartbeat));
          shards = GroupExchange.over(mesh, peers, allPartitions, n);
        }
        // What this group sends the driver: its tree nodes (star), or one node cut to its shard.
        byte[] out =
            SyncProtocol.buffer(
                shards == null
                    ? SyncProtocol.taskFrameBytes(
                        n, ExecutorGroup.parts(allPartitions, group.partitions()))
                    : SyncProtocol.taskFrameBytes(shards.shardTo() - shards.shardFrom(), 1));
        PartitionStepper stepper;
        try {
          stepper = new PartitionStepper(plan, data.get(), partition);
        } catch (RuntimeException e) {
          // Bad data: tell the driver why, so the fit fails with this reason.
          channel.send(out, SyncProtocol.encodeFailure(out, "partition " + partition + ": " + e));
          throw e;
        }
        try {
          Leader leader =
              new Leader(channel, group, driver, stepper, partition, allPartitions, out);
          if (shards == null) {
            serve(leader, n);
          } else {
            serveShard(leader, shards, n);
          }
        } catch (PeerMesh.PeerLostException e) {
          // Tell the driver which peer, so that it relaunches and names the right executor.
          channel.send(
              out,
              SyncProtocol.encodePeerLost(
                  out, e.peer, e.stalled, "executor group " + e.peer + ": " + e.getMessage()));
          throw new IllegalStateException(
              "spark-cnn task for partition " + partition + " lost peer group " + e.peer, e);
        }
      } finally {
        heartbeat.halt();
        peerBeat.halt();
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("spark-cnn task for partition " + partition + " interrupted");
    } finally {
      if (shards != null) {
        shards.close();
      }
      if (peerServer != null) {
        peerServer.close();
      }
    }
  }

  /** Star topology: every step's weights come from the driver and the group's sums go back. */
  private static void serve(Leader leader, int n) throws IOException, InterruptedException {
    SyncChannel channel = leader.channel();
    float[] params = new float[n];
    float[] grad = new float[n];
    while (true) {
      ByteBuffer b = channel.receive(SyncProtocol.stepBytes(n), leader.driver().timeoutMillis());
      long cpu = SyncTraffic.cpuNanos();
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
      SyncTraffic.Side.GROUP.cpu(SyncTraffic.cpuNanos() - cpu);
      List<PartialSum> parts = computeGroup(leader, params, epoch, step, globalStep, grad);
      cpu = SyncTraffic.cpuNanos();
      channel.send(leader.out(), SyncProtocol.encodeResult(leader.out(), step, parts));
      SyncTraffic.Side.GROUP.cpu(SyncTraffic.cpuNanos() - cpu);
    }
  }

  /**
   * Sharded topology: runs the launch's steps from the driver's START; per step all-gathers the
   * weights, computes, reduce-scatters the gradients, sends the driver this group's shard of the
   * sum and applies the optimizer to its shard, without waiting for the driver. The driver ends the
   * epoch (DONE) once it has taken every step's sums, or relaunches the stage (ABORT, or the
   * connection closes).
   */
  private static void serveShard(Leader leader, GroupExchange shards, int n)
      throws IOException, InterruptedException, PeerMesh.PeerLostException {
    SyncChannel channel = leader.channel();
    Endpoint driver = leader.driver();
    byte[] out = leader.out();
    float[] params = new float[n];
    float[] grad = new float[n];
    int lo = shards.shardFrom();
    int hi = shards.shardTo();
    ByteBuffer b =
        channel.receive(
            SyncProtocol.startBytes(hi - lo, SyncProtocol.MAX_SLOTS), driver.timeoutMillis());
    int op = b.getInt();
    if (op == SyncProtocol.DONE || op == SyncProtocol.ABORT) {
      return;
    }
    if (op != SyncProtocol.START) {
      throw new IOException("unexpected message " + op + " from the driver; expected START");
    }
    SyncProtocol.Start start = SyncProtocol.decodeStart(b, params, lo, hi);
    Optimizer optimizer = driver.newShardOptimizer();
    optimizer.restore(start.iterations(), start.state(), hi - lo);
    int acked = start.fromStep() - 1;
    for (int step = start.fromStep(); step < start.toStep(); step++) {
      if (step - acked > SyncProtocol.RUN_AHEAD_STEPS) {
        acked =
            awaitAck(channel, acked, step - SyncProtocol.RUN_AHEAD_STEPS, driver.timeoutMillis());
        if (acked == ENDED) {
          return;
        }
      }
      RUN_AHEAD_SEEN.accumulateAndGet(step - acked, Math::max);
      long cpu = SyncTraffic.cpuNanos();
      shards.gatherWeights(step, params);
      SyncTraffic.Side.GROUP.cpu(SyncTraffic.cpuNanos() - cpu);
      long globalStep = start.globalStep() + step - start.fromStep();
      List<PartialSum> parts = computeGroup(leader, params, start.epoch(), step, globalStep, grad);
      cpu = SyncTraffic.cpuNanos();
      PartialSum shard = shards.reduceScatter(step, parts);
      channel.send(out, SyncProtocol.encodeResult(out, step, List.of(shard)));
      SyncTraffic.Side.GROUP.cpu(SyncTraffic.cpuNanos() - cpu);
      if (step + 1 < start.toStep()) {
        // The driver's update of this shard, bit for bit (DistributedTrainer.applyStep).
        float[] mean = shard.gradientSum();
        DistributedTrainer.scaleAndSquare(mean, DistributedTrainer.meanScale(shard.count()));
        optimizer.apply(params, lo, mean);
      }
    }
    awaitAck(channel, acked, Integer.MAX_VALUE, driver.timeoutMillis());
  }

  /** What {@link #awaitAck} returns when the driver ended the launch (DONE or ABORT). */
  private static final int ENDED = Integer.MIN_VALUE;

  /**
   * Reads the driver's acknowledgements until it has taken the sums of step {@code needed}; returns
   * the last step acknowledged, or {@link #ENDED} when the driver ends the launch instead.
   */
  private static int awaitAck(SyncChannel channel, int acked, int needed, int timeoutMillis)
      throws IOException {
    while (acked < needed) {
      ByteBuffer b = channel.receive(SyncProtocol.ACK_BYTES, timeoutMillis);
      int op = b.getInt();
      if (op == SyncProtocol.DONE || op == SyncProtocol.ABORT) {
        return ENDED;
      }
      if (op != SyncProtocol.ACK) {
        throw new IOException("unexpected message " + op + " from the driver; expected ACK");
      }
      acked = Math.max(acked, b.getInt());
    }
    return acked;
  }

  /**
   * Has the group compute {@code step} on {@code params} and returns its pre-summed tree nodes; a
   * failed step is reported to the driver (the fit fails with its reason) and thrown.
   */
  private static List<PartialSum> computeGroup(
      Leader leader, float[] params, int epoch, int step, long globalStep, float[] grad)
      throws IOException, InterruptedException {
    ExecutorGroup group = leader.group();
    group.startStep(params, epoch, step, globalStep);
    computeShare(
        group,
        leader.driver(),
        leader.stepper(),
        leader.partition(),
        params,
        epoch,
        step,
        globalStep,
        grad);
    RuntimeException failure = group.awaitResults();
    if (failure != null) {
      // Tell the driver why, so the fit fails with this reason rather than a lost connection.
      byte[] out = leader.out();
      leader.channel().send(out, SyncProtocol.encodeFailure(out, failure.getMessage()));
      throw failure;
    }
    long cpu = SyncTraffic.cpuNanos();
    List<PartialSum> parts = group.presum(leader.allPartitions());
    SyncTraffic.Side.GROUP.cpu(SyncTraffic.cpuNanos() - cpu);
    return parts;
  }

  /**
   * The leading task's side of a launch: its connection to the driver, its executor group, its own
   * partition's stepper, and its send buffer for results and failures.
   */
  private record Leader(
      SyncChannel channel,
      ExecutorGroup group,
      Endpoint driver,
      PartitionStepper stepper,
      int partition,
      int allPartitions,
      byte[] out) {}

  /** A co-located task that is not the leader: computes its share of every step it is given. */
  private static void serveAsMember(
      ExecutorGroup group,
      Endpoint driver,
      int partition,
      TrainingPlan plan,
      Supplier<ImageBlock> data) {
    PartitionStepper stepper;
    try {
      stepper = new PartitionStepper(plan, data.get(), partition);
    } catch (RuntimeException e) {
      // The leader tells the driver, which fails the fit with this reason; ending this task with
      // the exception could have Spark cancel the stage before the leader has said why.
      group.fail(partition, new IllegalArgumentException("partition " + partition + ": " + e, e));
      return;
    }
    float[] grad = new float[stepper.paramCount()];
    int phase = 0;
    try {
      ExecutorGroup.Work w;
      while ((w = group.awaitStep(phase)) != null) {
        phase = w.phase();
        computeShare(
            group,
            driver,
            stepper,
            partition,
            w.params(),
            w.epoch(),
            w.step(),
            w.globalStep(),
            grad);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Computes partition's share of a step and hands it to the group (or the reason it failed). */
  private static void computeShare(
      ExecutorGroup group,
      Endpoint driver,
      PartitionStepper stepper,
      int partition,
      float[] params,
      int epoch,
      int step,
      long globalStep,
      float[] grad) {
    injectFault(group, driver.launch(), partition, epoch, step);
    StepResult r;
    try {
      r = stepper.step(params, epoch, step, globalStep, grad);
    } catch (RuntimeException e) {
      group.finish(
          partition, null, new IllegalArgumentException("partition " + partition + ": " + e, e));
      return;
    }
    group.finish(partition, r, null);
  }

  private static void injectFault(
      ExecutorGroup group, int launch, int partition, int epoch, int step) {
    FaultPlan plan = faults;
    Fault f = plan == null ? Fault.NONE : plan.before(launch, partition, epoch, step);
    if (f == Fault.CRASH) {
      group.crash().run();
      throw new IllegalStateException("injected crash of partition " + partition);
    }
    if (f == Fault.STALL) {
      group.silence().run();
      awaitKilled(TaskContext.get());
      throw new IllegalStateException("injected stall of partition " + partition + " ended");
    }
  }

  /**
   * Hangs like a frozen executor until Spark kills the task. A kill need not interrupt the thread,
   * so the kill flag is polled too: a stalled task thread left running would keep its local-mode
   * core, and the next barrier stage, which needs every core at once, could not start.
   */
  private static void awaitKilled(TaskContext task) {
    long until = System.nanoTime() + 600_000_000_000L;
    while (System.nanoTime() < until && (task == null || !task.isInterrupted())) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Sends a HEARTBEAT every {@link SyncProtocol#HEARTBEAT_MILLIS} until halted or closed. */
  private static final class Heartbeat extends Thread {
    /** Where a beat goes: the driver's connection, or every peer's. */
    interface Beat {
      void send(byte[] frame, int length) throws IOException;
    }

    private volatile Beat beat;
    private volatile boolean halted;

    Heartbeat(String name, Beat beat) {
      super(name);
      setDaemon(true);
      this.beat = beat;
    }

    /** Starts beating to {@code to} (a beat not known at construction: the peers'). */
    void start(Beat to) {
      beat = to;
      start();
    }

    @Override
    public void run() {
      byte[] buf = SyncProtocol.buffer(4);
      int len = SyncProtocol.encodeOp(buf, SyncProtocol.HEARTBEAT);
      while (!halted) {
        try {
          Thread.sleep(SyncProtocol.HEARTBEAT_MILLIS);
          if (!halted) {
            beat.send(buf, len);
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
