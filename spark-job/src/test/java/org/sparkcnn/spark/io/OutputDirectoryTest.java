package org.sparkcnn.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.OutputFiles;

/**
 * The output as one unit on the local file system (job.HdfsOutputTest repeats the essentials on
 * HDFS): the lock refuses a second writer and recovers stale ones; readers trust only published
 * state; an interrupted publication is undone; leftovers are removed.
 */
class OutputDirectoryTest {
  private static final Configuration CONF = new Configuration();

  @TempDir Path tmp;

  private List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aSecondWriterIsRefusedWithTheHolderNamedAndTheLockIsFreedAfterwards() throws Exception {
    String out = tmp.resolve("run").toString();
    try (OutputLock first = OutputLock.acquire(out, CONF)) {
      String m =
          assertThrows(OutputLock.OutputLockedException.class, () -> OutputLock.acquire(out, CONF))
              .getMessage();
      assertTrue(
          m.contains("being written by another run")
              && m.contains("process " + ProcessHandle.current().pid())
              && m.contains(first.run()),
          m);
      first.checkHeld();
    }
    assertFalse(Files.exists(tmp.resolve("run/" + OutputLock.LOCK_FILE)));
    OutputLock.acquire(out, CONF).close();
  }

  /**
   * A holder whose renewals stalled past its lease (a long pause) must not renew: another run may
   * take the lock over between its read and its write. It reports the lock lost instead, and a
   * newer holder's lock survives.
   */
  @Test
  void aHolderWhoseLeaseRanOutDoesNotRenewItAndReportsTheLockLost() throws Exception {
    String out = tmp.resolve("paused").toString();
    try (OutputLock paused = OutputLock.acquire(out, CONF, 300, 60_000)) {
      Thread.sleep(400);
      String m = assertThrows(IOException.class, paused::checkHeld).getMessage();
      assertTrue(m.contains("lock of the output was lost") && m.contains("lease ran out"), m);
      try (OutputLock next = OutputLock.acquire(out, CONF)) {
        assertThrows(IOException.class, paused::checkHeld, "still lost, and it writes nothing");
        String lock = Files.readString(tmp.resolve("paused/" + OutputLock.LOCK_FILE));
        assertTrue(lock.contains(next.run()), lock);
      }
    }
  }

  @Test
  void staleLocksAreTakenOver() throws Exception {
    String out = tmp.resolve("stale").toString();
    Files.createDirectories(tmp.resolve("stale"));
    Path lock = tmp.resolve("stale/" + OutputLock.LOCK_FILE);
    // A process of this host that has ended.
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(
        lock,
        "{\"host\": \""
            + OutputLock.hostName()
            + "\", \"pid\": "
            + gone.pid()
            + ", \"run\": \"dead\", \"lease_until_ms\": "
            + (System.currentTimeMillis() + 3_600_000)
            + "}");
    try (OutputLock l = OutputLock.acquire(out, CONF)) {
      assertTrue(Files.readString(lock).contains(l.run()));
    }
    // Another host's holder whose lease ran out.
    Files.writeString(
        lock,
        "{\"host\": \"elsewhere\", \"pid\": 1, \"run\": \"far\", \"lease_until_ms\": "
            + (System.currentTimeMillis() - 1000)
            + "}");
    OutputLock.acquire(out, CONF).close();
    // Another host's holder within its lease is still respected.
    Files.writeString(
        lock,
        "{\"host\": \"elsewhere\", \"pid\": 1, \"run\": \"far\", \"lease_until_ms\": "
            + (System.currentTimeMillis() + 60_000)
            + "}");
    assertThrows(OutputLock.OutputLockedException.class, () -> OutputLock.acquire(out, CONF));
  }

  @Test
  void aLostLockIsNoticedBeforePublishing() throws Exception {
    String out = tmp.resolve("lost").toString();
    try (OutputLock l = OutputLock.acquire(out, CONF)) {
      Files.delete(tmp.resolve("lost/" + OutputLock.LOCK_FILE));
      String m = assertThrows(IOException.class, l::checkHeld).getMessage();
      assertTrue(m.contains("lock of the output was lost"), m);
    }
  }

  @Test
  void readersTrustOnlyPublishedStateAndAnInterruptedPublicationIsUndone() throws Exception {
    String out = tmp.resolve("pub").toString();
    Sequential first = LocalSpark.model(6, 1, 3, 1);
    Sequential second = LocalSpark.model(6, 1, 3, 2);
    new OutputDirectory(out, CONF, "run1").publish(OutputFiles.of(first, "{\"run\": 1}"));
    assertEquals(
        List.of("config.json", "metrics.json", "model", "published.json"),
        names(tmp.resolve("pub")));
    String model = tmp.resolve("pub/model").toString();
    assertArrayEquals(first.parameters(), ModelStore.load(model, CONF).model().parameters());

    // A run killed in the middle of publishing: its model moved in, the old one aside, the
    // metrics and the published list not yet replaced.
    Path pub = tmp.resolve("pub");
    Files.createDirectories(pub.resolve(".old-run2"));
    Files.move(pub.resolve("model"), pub.resolve(".old-run2/model"));
    ModelDirectory.save(second, ModelInfo.defaults(), pub.resolve("model"));
    Files.createDirectories(pub.resolve(".tmp-run2"));
    Files.writeString(pub.resolve(".metrics.json.tmp-123"), "half");
    String m = assertThrows(IOException.class, () -> ModelStore.load(model, CONF)).getMessage();
    assertTrue(m.contains("not the published version") && m.contains("--resume"), m);

    // The next writer puts the published model back and removes every leftover.
    new OutputDirectory(out, CONF, "run3").recover();
    assertEquals(List.of("config.json", "metrics.json", "model", "published.json"), names(pub));
    assertArrayEquals(first.parameters(), ModelStore.load(model, CONF).model().parameters());

    // A complete publication replaces all of it.
    new OutputDirectory(out, CONF, "run3").publish(OutputFiles.of(second, "{\"run\": 3}"));
    assertArrayEquals(second.parameters(), ModelStore.load(model, CONF).model().parameters());
    assertEquals("{\"run\": 3}", Files.readString(pub.resolve("metrics.json")));
    assertEquals(List.of("config.json", "metrics.json", "model", "published.json"), names(pub));
  }

  @Test
  void aModelFolderOutsideATrainingOutputLoadsAsBefore() throws Exception {
    Sequential m = LocalSpark.model(6, 1, 3, 1);
    ModelDirectory.save(m, ModelInfo.defaults(), tmp.resolve("plain/model"));
    assertArrayEquals(
        m.parameters(),
        ModelStore.load(tmp.resolve("plain/model").toString(), CONF).model().parameters());
  }
}
