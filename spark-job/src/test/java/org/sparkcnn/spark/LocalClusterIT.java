package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.spark.testing.ChildProcess;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.TestImages;

/**
 * {@code scripts/local-cluster} for real: a master and 2 workers, each worker launching its own
 * executor JVM, driven through {@code scripts/train} as a user would. The cluster is secured as
 * documented, a job without its secret is refused, and a driver-sync run that loses one executor to
 * SIGKILL and another to SIGSTOP mid-epoch ends with weights bit-identical to an undisturbed run.
 * Prints the time from each fault to training again (the figure {@code scripts/bench --section
 * recovery} reports).
 *
 * <p>Runs under Failsafe in {@code mvn verify} (it needs the packaged job jar); about 1.5-3 minutes
 * on 2 cores, most of it executor JVM start-ups and the 10 s a worker gives a frozen executor
 * between SIGTERM and SIGKILL.
 */
class LocalClusterIT {
  private static final int SIZE = 8;
  private static Path root;
  private static Path work;
  private static Path state;
  private static String master;
  private static final List<Long> stopped = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() throws Exception {
    root = Path.of("").toAbsolutePath().getParent();
    assertTrue(Files.isRegularFile(root.resolve("scripts/local-cluster")), "run from spark-job/");
    work = Files.createTempDirectory(Path.of("").toAbsolutePath().resolve("target"), "it-cluster");
    state = work.resolve("cluster");
    TestImages.generate(24_000, SIZE, 4, 5).writeIdx(work.resolve("data/train"), false);
    Files.writeString(
        work.resolve("model.json"), ModelSpec.toJson(LocalSpark.model(SIZE, 1, 4, 0)));
    int port = freePort();
    master = "spark://127.0.0.1:" + port;
    Result r =
        run(
            List.of("scripts/local-cluster", "start", "--workers", "2", "--port", "" + port),
            state,
            120);
    assertEquals(0, r.exit, r.output);
  }

  @AfterAll
  static void stop() throws Exception {
    for (long pid : stopped) {
      signal("CONT", pid);
    }
    if (state != null) {
      run(List.of("scripts/local-cluster", "stop"), state, 60);
    }
  }

  @Test
  void theClusterRunsWithASecretNoRestServerAndLoopbackOnly() throws Exception {
    for (String f : List.of("secret", "client.conf", "daemon.conf")) {
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(f))),
          f);
    }
    String secret = Files.readString(state.resolve("secret")).trim();
    assertEquals(64, secret.length(), "32 random bytes in hex");
    String masterLog = Files.readString(state.resolve("master.log"));
    assertFalse(masterLog.contains("REST server"), "the REST submission server must be off");
    assertFalse(masterLog.contains(secret), "the secret must not be logged");
    assertRefused(InetAddress.getLoopbackAddress(), 6066); // Spark's REST port
    int ui = 18080 + Integer.parseInt(master.substring(master.lastIndexOf(':') + 1)) - 7077;
    assertTrue(canConnect(InetAddress.getLoopbackAddress(), ui), "the master UI on 127.0.0.1");
    InetAddress external = externalAddress();
    if (external != null) {
      assertRefused(external, ui);
      assertRefused(external, Integer.parseInt(master.substring(master.lastIndexOf(':') + 1)));
    }
  }

  @Test
  void aJobWithoutTheSecretIsRefused() throws Exception {
    // Another state directory: scripts/train finds no client.conf, so it sends no secret.
    Path elsewhere = Files.createDirectories(work.resolve("no-secret"));
    long before = countRegistrations();
    Result r = run(train("no-secret", 1), elsewhere, 25);
    assertEquals(before, countRegistrations(), "the master registered no application");
    assertTrue(
        r.exit != 0, "the job must not succeed without the secret; it printed:\n" + r.output);
  }

  @Test
  void survivesSigkillAndSigstopOfExecutorsWithIdenticalWeights() throws Exception {
    Result undisturbed = run(train("undisturbed", 4), state, 300);
    assertEquals(0, undisturbed.exit, undisturbed.output);

    // Mid-epoch for sure: the run checkpoints every 250 steps (an epoch is 1,500), so the
    // moment a checkpoint of epoch 2's steps 250-1,000 appears, epoch 2 is running.
    ChildProcess p = start(train("disturbed", 4), state);
    awaitCheckpoint(work.resolve("disturbed/checkpoints"), 1_750, 2_500, 300);
    long killed = executorOf(1);
    signal("KILL", killed);
    long killedAt = System.nanoTime();
    p.await("spark-cnn: training again", 1, 120);
    double afterKill = (System.nanoTime() - killedAt) / 1e9;

    long frozen = executorOf(2);
    stopped.add(frozen);
    signal("STOP", frozen);
    long frozenAt = System.nanoTime();
    p.await("spark-cnn: training again", 2, 180);
    double afterFreeze = (System.nanoTime() - frozenAt) / 1e9;
    int exit = p.waitFor(300);
    String out = p.output();
    assertEquals(0, exit, "the run ends well:\n" + out);
    System.out.printf(
        Locale.ROOT,
        "recovery (2 workers, driver-sync): executor SIGKILL -> training again in %.1f s; "
            + "executor SIGSTOP -> training again in %.1f s%n",
        afterKill,
        afterFreeze);

    // Both losses were met mid-epoch, by a connected stage (not between epochs).
    assertEquals(2, out.split("lost the task of partition", -1).length - 1, out);
    assertTrue(out.contains("no heartbeat for"), "the frozen executor was found by heartbeat");
    assertFalse(out.lines().anyMatch(l -> l.startsWith("\tat ")), "no stack trace on the console");
    byte[] a = Files.readAllBytes(work.resolve("undisturbed/model/weights.safetensors"));
    byte[] b = Files.readAllBytes(work.resolve("disturbed/model/weights.safetensors"));
    assertArrayEquals(a, b, "weights after two lost executors equal the undisturbed run's");
  }

  // ---- helpers ----

  private static List<String> train(String output, int epochs) {
    String config =
        "{\"model\": \""
            + work.resolve("model.json")
            + "\", \"train_data\": \""
            + work.resolve("data/train")
            + "\", \"epochs\": "
            + epochs
            + ", \"batch_size\": 16, \"seed\": 3, \"partitions\": 2, \"sync\": \"driver-sync\", "
            + "\"checkpoint_every_steps\": 250, "
            + "\"timeout_seconds\": 90, \"class_names\": [\"a\", \"b\", \"c\", \"d\"], "
            + "\"output\": \""
            + work.resolve(output)
            + "\"}";
    Path file = work.resolve(output + ".json");
    try {
      Files.writeString(file, config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.of(
        "scripts/train",
        "--config",
        file.toString(),
        "--master",
        master,
        "--executor-memory",
        "512m",
        "--driver-memory",
        "512m");
  }

  /** Waits until a checkpoint of a global step in [from, to] exists (they are pruned soon). */
  private static void awaitCheckpoint(Path dir, long from, long to, int seconds) throws Exception {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      if (Files.isDirectory(dir)) {
        try (var names = Files.list(dir)) {
          if (names
              .map(f -> f.getFileName().toString())
              .filter(n -> n.matches("ckpt-\\d{12}-.*"))
              .mapToLong(n -> Long.parseLong(n.substring(5, 17)))
              .anyMatch(step -> step >= from && step <= to)) {
            return;
          }
        } catch (NoSuchFileException racedWithPruning) {
          // look again
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError(
        "no checkpoint of steps " + from + "-" + to + " within " + seconds + " s");
  }

  /** The executor JVM worker {@code n} (1-based) runs now. */
  private static long executorOf(int n) throws IOException {
    long worker = Long.parseLong(Files.readAllLines(state.resolve("pids")).get(n).trim());
    return ProcessHandle.of(worker)
        .orElseThrow()
        .children()
        .filter(c -> c.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("worker " + n + " runs no executor"))
        .pid();
  }

  private static long countRegistrations() throws IOException {
    return Files.readString(state.resolve("master.log"))
        .lines()
        .filter(l -> l.contains("Registering app"))
        .count();
  }

  private record Result(int exit, String output) {}

  private static ChildProcess start(List<String> command, Path clusterState) throws IOException {
    return ChildProcess.start(
        command,
        root,
        Map.of(
            "SPARK_CNN_CLUSTER_STATE",
            clusterState.toString(),
            "SPARK_CNN_LOG",
            work.resolve("logs/" + clusterState.getFileName() + ".log").toString()));
  }

  /** Runs to the end, or kills it (and its children) after {@code seconds}: exit -1. */
  private static Result run(List<String> command, Path clusterState, int seconds) throws Exception {
    ChildProcess p = start(command, clusterState);
    int exit = p.waitFor(seconds);
    return new Result(exit, p.output());
  }

  private static void signal(String name, long pid) throws Exception {
    new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean canConnect(InetAddress a, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(a, port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void assertRefused(InetAddress a, int port) {
    assertThrows(
        ConnectException.class,
        () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(a, port), 2000);
          }
        },
        a + ":" + port + " must not listen");
  }

  /** A non-loopback IPv4 address of this machine, or null. */
  private static InetAddress externalAddress() throws IOException {
    for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (n.isUp() && !n.isLoopback()) {
        for (InetAddress a : Collections.list(n.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            return a;
          }
        }
      }
    }
    return null;
  }
}
