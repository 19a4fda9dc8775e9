package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.spark.io.ModelStore;
import org.sparkcnn.spark.testing.FaultyFileSystem;
import org.sparkcnn.spark.testing.SparkSessionTest;

/**
 * A full disk or a folder the user may not write, at the lock, a checkpoint or the final write,
 * ends the job in one line naming the path, the cause and what to do; the previously published
 * output stays as it was and the run leaves no partial files. Both faults come from a Hadoop file
 * system wrapper ({@link FaultyFileSystem}) that fails as the local file system does on ENOSPC and
 * EACCES, not from a real full device or chmod (CI runs as root). HdfsOutputTest shows the same for
 * HDFS's own AccessControlException.
 */
class WriteFailureTest extends SparkSessionTest {
  private static final int SIZE = 8;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    FaultyFileSystem.register(spark.sparkContext().hadoopConfiguration());
    TrainingRuns.write(tmp, 160, SIZE, 31, false);
  }

  @AfterEach
  void heal() {
    FaultyFileSystem.heal();
  }

  private static JobConfig config(long seed) {
    return config(seed, "out");
  }

  private static JobConfig config(long seed, String output) {
    return TrainingRuns.config(
        tmp,
        "\"epochs\": 1, \"batch_size\": 16, \"seed\": " + seed + ", \"checkpoint_every_steps\": 4",
        "faultfs://" + tmp.resolve(output));
  }

  private static float[] published() throws Exception {
    return published("out");
  }

  private static float[] published(String output) throws Exception {
    return ModelStore.load(
            "faultfs://" + tmp.resolve(output).resolve("model"),
            spark.sparkContext().hadoopConfiguration())
        .model()
        .parameters();
  }

  private static List<String> leftovers() throws Exception {
    return leftovers("out");
  }

  private static List<String> leftovers(String output) throws Exception {
    try (Stream<Path> s = Files.walk(tmp.resolve(output))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.contains(".tmp-") || n.startsWith(".old-") || n.equals(".lock"))
          .toList();
    }
  }

  private static void assertOneClearLine(Exception e, String action) {
    assertOneClearLine(
        e, action, tmp.resolve("out"), "the disk is full (No space left on device)", "free space");
  }

  private static void assertOneClearLine(
      Exception e, String action, Path where, String why, String hint) {
    String line = JobSupport.userMessage(e);
    assertFalse(line.contains("\n"), line);
    assertTrue(
        line.replace("faultfs:///", "faultfs:/")
                .startsWith("cannot " + action + " to faultfs:" + where)
            && line.contains(": " + why + "; hint: " + hint)
            && line.contains("previous output and checkpoints are intact"),
        line);
  }

  @Test
  void fullDiskAtACheckpointOrTheFinalWriteKeepsThePreviousOutput() throws Exception {
    TrainJob.run(spark, config(1));
    float[] before = published();
    String metrics = Files.readString(tmp.resolve("out/metrics.json"));

    FaultyFileSystem.diskFullWhen = p -> p.toString().contains("/checkpoints/ckpt-");
    Exception atCheckpoint = assertThrows(Exception.class, () -> TrainJob.run(spark, config(2)));
    assertOneClearLine(atCheckpoint, "write a checkpoint");
    assertArrayEquals(before, published());
    assertEquals(metrics, Files.readString(tmp.resolve("out/metrics.json")));
    assertEquals(List.of(), leftovers());

    FaultyFileSystem.diskFullWhen =
        p -> p.toString().contains("/.tmp-") && p.getName().equals("weights.safetensors");
    Exception atPublish = assertThrows(Exception.class, () -> TrainJob.run(spark, config(2)));
    assertOneClearLine(atPublish, "publish the model, metrics.json and config.json");
    assertArrayEquals(before, published());
    assertEquals(metrics, Files.readString(tmp.resolve("out/metrics.json")));
    assertEquals(List.of(), leftovers());

    FaultyFileSystem.heal();
    TrainJob.run(spark, config(2));
    assertFalse(Arrays.equals(before, published()), "with room, the new run publishes");
  }

  @Test
  void aFolderThatMayNotBeWrittenEndsInOneLineNamingIt() throws Exception {
    // An output inside a read-only folder: refused at the lock, before any training.
    Path parent = Files.createDirectories(tmp.resolve("readonly"));
    FaultyFileSystem.readOnlyWhen = p -> p.toString().contains(parent.toString());
    Exception atLock =
        assertThrows(Exception.class, () -> TrainJob.run(spark, config(1, "readonly/out")));
    assertOneClearLine(
        atLock,
        "take the output's lock",
        parent.resolve("out"),
        "permission denied",
        "give this user write access");

    // The output writable, its checkpoints folder not: refused at the first checkpoint.
    FaultyFileSystem.heal();
    TrainJob.run(spark, config(1, "ro-checkpoints"));
    float[] before = published("ro-checkpoints");
    Path checkpoints = tmp.resolve("ro-checkpoints").resolve(TrainJob.CHECKPOINTS_DIR);
    FaultyFileSystem.readOnlyWhen = p -> p.toString().contains(checkpoints + "/");
    Exception atCheckpoint =
        assertThrows(Exception.class, () -> TrainJob.run(spark, config(2, "ro-checkpoints")));
    assertOneClearLine(
        atCheckpoint,
        "write a checkpoint",
        checkpoints,
        "permission denied",
        "give this user write access");
    assertArrayEquals(before, published("ro-checkpoints"));
    assertEquals(List.of(), leftovers("ro-checkpoints"));
  }
}
