package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.model.Sequential;

/**
 * The driver-sync port during a real run (local mode): bound to the driver's address, its key in no
 * job property or stage name, and forged, silent, garbage and oversized connections refused while
 * the run goes on to the same weights as an undisturbed one.
 */
class SyncPortTest {
  private static SparkSession spark;
  private static JavaSparkContext jsc;
  private static JavaRDD<ImageBlock> data;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.start("sync-port");
    jsc = SparkTestSession.context(spark);
    data = jsc.parallelize(TestBlocks.blocks(11, 40, 31, 25), 3).cache();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static float[] run(int epochs, BiConsumer<DriverSyncRunner, Long> each) {
    Sequential m = TestBlocks.model(21);
    TrainingPlan plan = RunnerHarness.plan(m, 96, 12, 3);
    try (DriverSyncRunner runner = new DriverSyncRunner(jsc, data, plan, 60)) {
      return RunnerHarness.train(runner, m, plan, epochs, g -> each.accept(runner, g));
    }
  }

  /** What a test starts at the end of epoch 1, given the runner and its port's address. */
  interface Disturbance {
    void start(DriverSyncRunner runner, InetAddress address, int port);
  }

  /** A run's final weights, and its runner for what the test then asks it. */
  record Disturbed(float[] weights, DriverSyncRunner runner) {}

  /**
   * A 2-epoch run that calls {@code disturbance} at the last step of epoch 1 (launch 1), so that
   * what it starts meets the launch of epoch 2; the run must end within 50 s.
   */
  private static Disturbed runDisturbedAtEndOfEpoch1(Disturbance disturbance) {
    DriverSyncRunner[] seen = new DriverSyncRunner[1];
    float[] weights =
        assertTimeoutPreemptively(
            Duration.ofSeconds(50),
            () ->
                run(
                    2,
                    (runner, global) -> {
                      if (global == 7) {
                        seen[0] = runner;
                        disturbance.start(runner, runner.address(), runner.port());
                      }
                    }));
    return new Disturbed(weights, seen[0]);
  }

  @Test
  void strangersAreRefusedWhileTheRunGoesOnToIdenticalWeights() throws Exception {
    float[] undisturbed = run(2, (r, g) -> {});
    List<CompletableFuture<?>> strangers = new ArrayList<>();
    Disturbed disturbed =
        runDisturbedAtEndOfEpoch1(
            (runner, a, p) -> {
              // The silent stranger is held open across the launch of epoch 2, which used to wait
              // for it.
              strangers.add(async(() -> Strangers.silent(a, p)));
              strangers.add(async(() -> Strangers.garbage(a, p)));
              strangers.add(async(() -> Strangers.oversized(a, p)));
              strangers.add(async(() -> Strangers.forged(a, p, false)));
            });
    assertArrayEquals(undisturbed, disturbed.weights(), "strangers must not change a single bit");
    for (CompletableFuture<?> s : strangers) {
      assertNotNull(s.get(20, TimeUnit.SECONDS), "each stranger's connection was closed");
    }
    long silentMillis = (Long) strangers.get(0).get();
    assertTrue(silentMillis < SyncServer.HANDSHAKE_MILLIS + 3_000, "silent held " + silentMillis);
    // The server closes a stranger's socket just before it counts the refusal.
    long deadline = System.currentTimeMillis() + 5_000;
    while (disturbed.runner().refusedConnections() < 4 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(4, disturbed.runner().refusedConnections(), "every stranger refused");
  }

  /**
   * Connections that prove the run's key but belong to another run of the application (under
   * spark.authenticate every run has the same key, and a later run's server can get an earlier
   * run's port) or to an earlier launch of this run are closed when the next launch starts, before
   * the driver sends them anything, and the run goes on to the undisturbed weights.
   */
  @Test
  void lateTasksOfAnotherRunOrAnEarlierLaunchAreClosedUnserved() throws Exception {
    float[] undisturbed = run(2, (r, g) -> {});
    List<CompletableFuture<Object>> late = new ArrayList<>();
    Disturbed disturbed =
        runDisturbedAtEndOfEpoch1(
            (runner, a, p) -> {
              // Both wait in the port's queue for launch 2, ahead of its real tasks.
              byte[] key = runner.secret().key();
              SyncHello otherRun =
                  new SyncHello(SyncHello.TASK, runner.runId() ^ 1, 2, 0, 0, "late", "run", 1);
              SyncHello earlierLaunch =
                  new SyncHello(SyncHello.TASK, runner.runId(), 1, 1, 1, "late", "launch", 1);
              late.add(async(() -> Strangers.late(a, p, key, otherRun)));
              late.add(async(() -> Strangers.late(a, p, key, earlierLaunch)));
            });
    assertArrayEquals(undisturbed, disturbed.weights(), "late tasks must not change a single bit");
    assertEquals("closed", late.get(0).get(45, TimeUnit.SECONDS), "another run's task");
    assertEquals("closed", late.get(1).get(45, TimeUnit.SECONDS), "an earlier launch's task");
    assertEquals(2, disturbed.runner().lateTaskConnections(), "both counted as late");
  }

  /**
   * Sharded, one executor per partition: the executors' peer ports are bound to the executor's
   * address and refuse a forged, a silent and a garbage connection while the run goes on to the
   * star run's weights.
   */
  @Test
  void shardedPeerPortsRefuseStrangers() throws Exception {
    float[] undisturbed = run(2, (r, g) -> {});
    List<CompletableFuture<?>> strangers = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    List<InetSocketAddress> peers = new ArrayList<>();
    Sequential m = TestBlocks.model(21);
    TrainingPlan plan = RunnerHarness.plan(m, 96, 12, 3);
    float[] disturbed;
    DriverSyncRunner.testGroups = p -> p;
    try (DriverSyncRunner runner =
        new DriverSyncRunner(jsc, data, plan, 60, 1, SyncTopology.SHARDED, m.optimizer())) {
      disturbed =
          assertTimeoutPreemptively(
              Duration.ofSeconds(50),
              () ->
                  RunnerHarness.train(
                      runner,
                      m,
                      plan,
                      2,
                      global -> {
                        if (global == 3) {
                          // On the driver thread between steps: the stage and its peer ports
                          // are up until this step is applied.
                          peers.addAll(runner.peerEndpoints());
                          InetAddress a = peers.get(1).getAddress();
                          int p = peers.get(1).getPort();
                          try {
                            refusals.add(Strangers.forged(a, p, false).getMessage());
                            refusals.add("garbage closed after " + Strangers.garbage(a, p) + " ms");
                            Socket silent = new Socket(a, p);
                            strangers.add(async(() -> millisUntilClosed(silent)));
                          } catch (IOException e) {
                            throw new UncheckedIOException(e);
                          }
                        }
                      }));
    } finally {
      DriverSyncRunner.testGroups = null;
    }
    assertEquals(3, peers.size(), "one peer port per executor group");
    assertFalse(peers.get(1).getAddress().isAnyLocalAddress(), "bound to the executor's address");
    assertArrayEquals(undisturbed, disturbed, "strangers must not change a single bit");
    assertEquals(2, refusals.size(), "the forged and the garbage connection were refused");
    long silentMillis = (Long) strangers.get(0).get(20, TimeUnit.SECONDS);
    assertTrue(silentMillis < SyncServer.HANDSHAKE_MILLIS + 3_000, "silent held " + silentMillis);
  }

  /** Reads an open connection until the server closes it; the milliseconds that took. */
  private static long millisUntilClosed(Socket s) throws IOException {
    long started = System.nanoTime();
    try (s) {
      s.setSoTimeout(30_000);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      while (in.read(buf) >= 0) {
        // the challenge, then nothing
      }
    } catch (SocketException reset) {
      // closed with unread data: a reset is a close too
    }
    return (System.nanoTime() - started) / 1_000_000;
  }

  @Test
  void theKeyAppearsInNoJobPropertyOrStageAndThePortIsTheDriversAddress() throws Exception {
    List<String> visible = new ArrayList<>();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart e) {
            synchronized (visible) {
              e.properties().forEach((k, v) -> visible.add(k + "=" + v));
            }
          }

          @Override
          public void onStageSubmitted(SparkListenerStageSubmitted e) {
            synchronized (visible) {
              visible.add(e.stageInfo().name());
              visible.add(e.stageInfo().details());
            }
          }
        };
    jsc.sc().addSparkListener(listener);
    Sequential m = TestBlocks.model(21);
    TrainingPlan plan = RunnerHarness.plan(m, 96, 12, 3);
    byte[] key;
    try (DriverSyncRunner runner = new DriverSyncRunner(jsc, data, plan, 60)) {
      key = runner.secret().key();
      InetAddress expected =
          InetAddress.getByName(
              jsc.getConf()
                  .get("spark.driver.bindAddress", jsc.getConf().get("spark.driver.host")));
      assertFalse(runner.address().isAnyLocalAddress(), "the port must not bind every interface");
      assertEquals(expected, runner.address());
      RunnerHarness.train(runner, m, plan, 1, g -> {});
    } finally {
      jsc.sc().listenerBus().waitUntilEmpty();
      jsc.sc().removeSparkListener(listener);
    }
    String hex = HexFormat.of().formatHex(key);
    String b64 = Base64.getEncoder().encodeToString(key);
    synchronized (visible) {
      assertTrue(
          visible.stream().anyMatch(s -> s.contains("spark-cnn: epoch 1")),
          "the listener saw the training job: " + visible);
      for (String s : visible) {
        String lower = s.toLowerCase(Locale.ROOT);
        assertFalse(lower.contains(hex.substring(0, 16)) || s.contains(b64.substring(0, 16)), s);
        // Job groups are the fixed phase names of SparkJobs, never a per-run value.
        assertFalse(
            lower.contains("jobgroup.id=")
                && !lower.matches(
                    "(?s).*jobgroup\\.id=spark-cnn-(data|train|validation|evaluate|score)[,}\\]].*"),
            "no job group carries a token: " + s);
      }
    }
  }

  interface Stranger {
    Object run() throws Exception;
  }

  private static CompletableFuture<Object> async(Stranger s) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return s.run();
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        });
  }
}
