package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.CheckpointFiles;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.io.CheckpointStore;
import org.sparkcnn.spark.io.HadoopFiles;
import org.sparkcnn.spark.io.ModelStore;
import org.sparkcnn.spark.io.OutputDirectory;
import org.sparkcnn.spark.io.OutputLock;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.OutputFiles;

/**
 * Checkpoints, resume, the output lock and the model directory on a real HDFS (an in-JVM
 * MiniDFSCluster with one data node), whose rules differ from the local file system's: {@code
 * FileSystem.rename} never replaces an existing target (and moves into an existing folder), {@code
 * create(overwrite=false)} is the only atomic exclusive create, a file being written belongs to its
 * writer's lease, and a killed writer's half-written files stay visible to listings.
 * OutputDirectoryTest, CheckpointFilesTest and ResumeTest cover the same on the local file system
 * in more detail.
 */
class HdfsOutputTest {
  private static final int SIZE = 8;
  private static MiniDFSCluster hdfs;
  private static SparkSession spark;
  private static Configuration conf;
  private static String root;

  @TempDir static java.nio.file.Path tmp;

  @BeforeAll
  static void start() throws Exception {
    Configuration c = new Configuration();
    c.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(c).numDataNodes(1).build();
    hdfs.waitActive();
    root = hdfs.getURI().toString() + "/runs";
    spark = LocalSpark.start("hdfs-output");
    conf = spark.sparkContext().hadoopConfiguration();
    TrainingRuns.write(tmp, 200, SIZE, 17, false);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    if (hdfs != null) {
      hdfs.shutdown(true);
    }
  }

  private static FileSystem fs() throws IOException {
    return HadoopFiles.fs(new Path(root), conf);
  }

  // ---- the output lock ----

  @Test
  void theLockRefusesASecondWriterAndTakesOverAStaleOne() throws Exception {
    String out = root + "/locked";
    Path lockFile = new Path(out, OutputLock.LOCK_FILE);
    try (OutputLock first = OutputLock.acquire(out, conf)) {
      String m =
          assertThrows(OutputLock.OutputLockedException.class, () -> OutputLock.acquire(out, conf))
              .getMessage();
      assertTrue(m.contains("being written by another run") && m.contains(first.run()), m);
      first.checkHeld();
    }
    assertFalse(fs().exists(lockFile), "released");

    // A driver killed while holding the lock: its process is gone, the file stays.
    writeStaleLock(lockFile);
    try (OutputLock taken = OutputLock.acquire(out, conf)) {
      assertTrue(read(lockFile).contains(taken.run()), "the new holder's lock is in place");
    }
    assertEquals(List.of(), names(new Path(out)), "no .stale- or temporary lock files stay");
  }

  /**
   * A lock file that another HDFS client is still creating (its writer died before closing it, so
   * the lease is the dead client's) must read as held, not break the next run with an
   * AlreadyBeingCreatedException.
   */
  @Test
  void aLockFileStillOpenByAnotherClientIsHeldNotAnError() throws Exception {
    String out = root + "/half-lock";
    Path lockFile = new Path(out, OutputLock.LOCK_FILE);
    try (FileSystem other = FileSystem.newInstance(new Path(root).toUri(), conf)) {
      FSDataOutputStream open = other.create(lockFile, false);
      open.write("{\"host\": \"".getBytes(StandardCharsets.UTF_8));
      open.hsync();
      String m =
          assertThrows(OutputLock.OutputLockedException.class, () -> OutputLock.acquire(out, conf))
              .getMessage();
      assertTrue(m.contains("being written by another run"), m);
      open.close();
    }
  }

  // ---- the output as one unit ----

  @Test
  void publishingReplacesExistingEntriesAndAnInterruptedPublicationIsUndone() throws Exception {
    String out = root + "/published";
    Path dir = new Path(out);
    Sequential first = LocalSpark.model(6, 1, 3, 1);
    Sequential second = LocalSpark.model(6, 1, 3, 2);
    new OutputDirectory(out, conf, "run1").publish(OutputFiles.of(first, "{\"run\": 1}"));
    String model = out + "/model";
    assertArrayEquals(first.parameters(), ModelStore.load(model, conf).model().parameters());

    // Over existing entries: HDFS's rename would move a folder into an existing one.
    new OutputDirectory(out, conf, "run2").publish(OutputFiles.of(second, "{\"run\": 2}"));
    assertArrayEquals(second.parameters(), ModelStore.load(model, conf).model().parameters());
    assertEquals("{\"run\": 2}", read(new Path(dir, "metrics.json")));
    assertEquals(
        List.of("config.json", "metrics.json", "model", "published.json"), names(dir), "no more");
    assertEquals(
        List.of(
            ModelDirectory.MODEL_FILE, ModelDirectory.SETTINGS_FILE, ModelDirectory.WEIGHTS_FILE),
        names(new Path(dir, "model")),
        "the model folder was replaced, not nested");

    // A run killed while publishing: the published model aside, another in its place, staging
    // and a half-written temporary file (still open: its writer's lease) left behind.
    fs().mkdirs(new Path(dir, ".old-run3"));
    assertTrue(fs().rename(new Path(dir, "model"), new Path(dir, ".old-run3/model")));
    ModelStore.save(LocalSpark.model(6, 1, 3, 3), ModelInfo.defaults(), model, conf);
    fs().mkdirs(new Path(dir, ".tmp-run3/model"));
    try (FileSystem other = FileSystem.newInstance(dir.toUri(), conf)) {
      FSDataOutputStream open = other.create(new Path(dir, ".metrics.json.tmp-3"), false);
      open.write(1);
      open.hsync();
      String m = assertThrows(IOException.class, () -> ModelStore.load(model, conf)).getMessage();
      assertTrue(m.contains("not the published version"), m);

      new OutputDirectory(out, conf, "run4").recover();
      assertEquals(List.of("config.json", "metrics.json", "model", "published.json"), names(dir));
      assertArrayEquals(second.parameters(), ModelStore.load(model, conf).model().parameters());
      assertFalse(fs().exists(new Path(dir, ".metrics.json.tmp-3")), "removed despite the lease");
      closeDeleted(open);
    }

    // The model directory on its own (Spark ML's save), replacing an existing one.
    String standalone = root + "/saved/model";
    ModelStore.save(first, ModelInfo.defaults(), standalone, conf);
    ModelStore.save(second, ModelInfo.defaults(), standalone, conf);
    assertArrayEquals(second.parameters(), ModelStore.load(standalone, conf).model().parameters());
    assertEquals(List.of("model"), names(new Path(root + "/saved")), "no temporary folders");
  }

  /** Closing a stream whose file was deleted meanwhile fails on HDFS: that is expected here. */
  private static void closeDeleted(FSDataOutputStream open) {
    try {
      open.close();
    } catch (IOException expected) {
      // org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException: File does not exist
    }
  }

  // ---- checkpoints ----

  @Test
  void checkpointsKeepTheNewestPassOverHalfWrittenOnesAndFallBackFromADamagedOne()
      throws Exception {
    Path dir = new Path(root + "/ckpts");
    CheckpointStore store = new CheckpointStore(dir, conf, 2);
    Sequential m = LocalSpark.model(6, 1, 3, 1);
    for (long step = 1; step <= 3; step++) {
      m.parameters()[0] = step; // tells the checkpoints apart
      store.write(step, CheckpointFiles.encode(m, Map.of("step", step)), Map.of());
    }
    List<Path> kept = store.list();
    assertEquals(2, kept.size(), kept.toString());
    assertTrue(kept.get(0).getName().startsWith("ckpt-000000000003-"), kept.toString());

    // A newer checkpoint whose writer was killed: data files, one still open, no manifest.
    Path half = new Path(dir, "ckpt-000000000009-0");
    fs().mkdirs(half);
    HadoopFiles.writeNew(fs(), new Path(half, CheckpointFiles.WEIGHTS_FILE), new byte[] {1, 2});
    try (FileSystem other = FileSystem.newInstance(dir.toUri(), conf)) {
      FSDataOutputStream open = other.create(new Path(half, CheckpointFiles.STATE_FILE), false);
      open.write(new byte[100]);
      open.hsync();
      assertEquals(2, store.list().size(), "a checkpoint without a manifest does not exist");
      assertEquals(3L, newestStep(store));

      // The newest complete one damaged: reported and the previous one used.
      Path newest = new Path(kept.get(0), CheckpointFiles.OPTIMIZER_FILE);
      byte[] bytes = HadoopFiles.read(newest, conf, 1 << 20);
      bytes[bytes.length - 1] ^= 1;
      fs().delete(newest, false);
      HadoopFiles.writeNew(fs(), newest, bytes);
      CheckpointStore.Found<Long> found = newest(store);
      assertEquals(2L, found.value());
      assertEquals(1, found.skipped().size(), found.skipped().toString());
      assertTrue(found.skipped().get(0).contains("is damaged"), found.skipped().toString());

      // The next write prunes the half-written folder although its writer still holds a lease.
      m.parameters()[0] = 4;
      store.write(4, CheckpointFiles.encode(m, Map.of("step", 4L)), Map.of());
      assertFalse(fs().exists(half));
      assertEquals(4L, newestStep(store));
      closeDeleted(open);
    }
  }

  private static long newestStep(CheckpointStore store) throws IOException {
    return newest(store).value();
  }

  /** The newest checkpoint's first weight, the step the loop above wrote into it. */
  private static CheckpointStore.Found<Long> newest(CheckpointStore store) throws IOException {
    Sequential probe = LocalSpark.model(6, 1, 3, 9);
    CheckpointStore.Found<Long> found =
        store.newest(
            (files, location) -> {
              CheckpointFiles.restore(files, probe, location);
              return (long) probe.parameters()[0];
            });
    assertNotNull(found, "a checkpoint");
    return found;
  }

  // ---- the training job ----

  @Test
  void aRunStoppedMidEpochAndResumedOnHdfsEqualsAnUninterruptedOne() throws Exception {
    TrainJob.run(spark, config("whole"));
    // Stopped at global step 13 (epoch 2, its 4th step): the newest checkpoint is of step 12.
    DistributedTrainer.StepObserver kill =
        (epoch, step, global, loss, norm) -> {
          if (global == 13) {
            throw new IllegalStateException("driver killed");
          }
        };
    assertThrows(IllegalStateException.class, () -> TrainJob.run(spark, config("resumed"), kill));
    Path out = new Path(root + "/resumed");
    // What a SIGKILL leaves besides the checkpoints: its lock, a staging folder.
    writeStaleLock(new Path(out, OutputLock.LOCK_FILE));
    fs().mkdirs(new Path(out, ".tmp-killed/model"));

    TrainJob.run(spark, config("resumed", "resume=true"));
    float[] whole = ModelStore.load(root + "/whole/model", conf).model().parameters();
    assertArrayEquals(
        whole, ModelStore.load(root + "/resumed/model", conf).model().parameters(), "bit-equal");
    List<Long> epochs = new ArrayList<>();
    for (Map<String, Object> e : history("resumed")) {
      epochs.add((Long) e.get("epoch"));
    }
    assertEquals(List.of(1L, 2L), epochs, "the history continues");
    assertEquals(
        history("whole").stream().map(HdfsOutputTest::figures).toList(),
        history("resumed").stream().map(HdfsOutputTest::figures).toList(),
        "the same figures per epoch");
    for (String name : names(out)) {
      assertFalse(
          name.startsWith(".") && !name.equals(OutputDirectory.PUBLISHED_FILE),
          "leftover " + name + " in " + names(out));
    }
  }

  private static Map<String, Object> figures(Map<String, Object> epoch) {
    Map<String, Object> m = new LinkedHashMap<>(epoch);
    m.keySet().retainAll(List.of("epoch", "loss", "accuracy", "val_loss", "val_accuracy"));
    return m;
  }

  // ---- permissions ----

  /**
   * HDFS enforces permissions even for root's processes (only the name node's own user is exempt),
   * so a user without write access meets the AccessControlException a shared cluster gives.
   */
  @Test
  void aFolderTheUserMayNotWriteEndsInOneLineNamingIt() throws Exception {
    UserGroupInformation alice = UserGroupInformation.createRemoteUser("alice");
    Path others = new Path(root + "/others");
    fs().mkdirs(others, new FsPermission((short) 0755));
    String atLock = failureAs(alice, config("others/out"));
    assertTrue(
        atLock.startsWith("cannot take the output's lock to " + root + "/others/out: permission")
            && atLock.contains("hint: give this user write access"),
        atLock);
    assertFalse(fs().exists(new Path(others, "out")));

    // Her own output, but a checkpoints folder of someone else's.
    Path own = new Path(root + "/alice");
    fs().mkdirs(new Path(own, TrainJob.CHECKPOINTS_DIR), new FsPermission((short) 0755));
    fs().setOwner(own, "alice", null);
    String atCheckpoint = failureAs(alice, config("alice"));
    assertTrue(
        atCheckpoint.startsWith(
                "cannot write a checkpoint to " + own + "/" + TrainJob.CHECKPOINTS_DIR + ": ")
            && atCheckpoint.contains("permission denied; hint: give this user write access"),
        atCheckpoint);
    assertFalse(atCheckpoint.contains("\n"), atCheckpoint);
    assertEquals(List.of(TrainJob.CHECKPOINTS_DIR), names(own), "no lock, no staging left");
  }

  /** The one line the job would print when {@code user} runs it. */
  private static String failureAs(UserGroupInformation user, JobConfig cfg) throws Exception {
    Exception e =
        user.doAs(
            (PrivilegedExceptionAction<Exception>)
                () -> assertThrows(Exception.class, () -> TrainJob.run(spark, cfg)));
    return JobSupport.userMessage(e);
  }

  // ---- helpers ----

  private static JobConfig config(String output, String... sets) {
    return TrainingRuns.config(
        tmp,
        "\"validation_split\": 0.2, \"epochs\": 2, \"batch_size\": 16, \"seed\": 5,"
            + " \"checkpoint_every_steps\": 4, \"keep_checkpoints\": 2, \"tensorboard\": false",
        root + "/" + output,
        sets);
  }

  private static List<Map<String, Object>> history(String output) throws IOException {
    Path p = new Path(root + "/" + output + "/metrics.json");
    Map<String, Object> m =
        JsonFields.asObject(Json.parse(HadoopFiles.read(p, conf, 1 << 20), p.toString()), "m");
    return JsonFields.getObjectList(m, "history", "metrics");
  }

  /** A lock of a process of this host that has ended, within its lease. */
  private static void writeStaleLock(Path lockFile) throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String lock =
        "{\"host\": \""
            + InetAddress.getLocalHost().getHostName()
            + "\", \"pid\": "
            + gone.pid()
            + ", \"run\": \"killed\", \"lease_until_ms\": "
            + (System.currentTimeMillis() + 3_600_000)
            + "}";
    fs().mkdirs(lockFile.getParent());
    HadoopFiles.writeNew(fs(), lockFile, lock.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> names(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    for (FileStatus s : fs().listStatus(dir)) {
      out.add(s.getPath().getName());
    }
    out.sort(null);
    return out;
  }

  private static String read(Path p) throws IOException {
    return new String(HadoopFiles.read(p, conf, 1 << 20), StandardCharsets.UTF_8);
  }
}
