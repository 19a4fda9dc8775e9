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
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.spark.io.ModelStore;
import org.sparkcnn.spark.testing.FullDiskFileSystem;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.TestImages;

/**
 * A full disk at a checkpoint or at the final write ends the job in one line naming the path and
 * what to do; the previously published output stays as it was and the run leaves no partial files.
 * The "full disk" is a Hadoop file system wrapper ({@link FullDiskFileSystem}) that fails writes
 * with the JDK's ENOSPC message, not a real full device.
 */
class DiskFullTest {
  private static final int SIZE = 8;
  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start("disk-full");
    FullDiskFileSystem.register(spark.sparkContext().hadoopConfiguration());
    TestImages.generate(160, SIZE, 4, 31).writeIdx(tmp.resolve("data/train"), false);
    Files.writeString(tmp.resolve("model.json"), ModelSpec.toJson(LocalSpark.model(SIZE, 1, 4, 0)));
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @AfterEach
  void diskHasRoomAgain() {
    FullDiskFileSystem.failWhen = p -> false;
  }

  private static JobConfig config(long seed) {
    String json =
        "{\"model\": \""
            + tmp.resolve("model.json")
            + "\", \"train_data\": \""
            + tmp.resolve("data/train")
            + "\", \"epochs\": 1, \"batch_size\": 16, \"seed\": "
            + seed
            + ", \"checkpoint_every_steps\": 4, \"output\": \"fullfs://"
            + tmp.resolve("out")
            + "\"}";
    return JobConfig.parse(json, "test", List.of());
  }

  private static float[] published() throws Exception {
    return ModelStore.load(
            "fullfs://" + tmp.resolve("out/model"), spark.sparkContext().hadoopConfiguration())
        .model()
        .parameters();
  }

  private static List<String> leftovers() throws Exception {
    try (Stream<Path> s = Files.walk(tmp.resolve("out"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.contains(".tmp-") || n.startsWith(".old-") || n.equals(".lock"))
          .toList();
    }
  }

  private static void assertOneClearLine(Exception e, String action) {
    String line = JobSupport.userMessage(e);
    assertFalse(line.contains("\n"), line);
    assertTrue(
        line.startsWith("cannot " + action + " to fullfs:")
            && line.contains("the disk is full (No space left on device)")
            && line.contains("hint: free space there")
            && line.contains("previous output and checkpoints are intact"),
        line);
  }

  @Test
  void fullDiskAtACheckpointOrTheFinalWriteKeepsThePreviousOutput() throws Exception {
    TrainJob.run(spark, config(1));
    float[] before = published();
    String metrics = Files.readString(tmp.resolve("out/metrics.json"));

    FullDiskFileSystem.failWhen = p -> p.toString().contains("/checkpoints/ckpt-");
    Exception atCheckpoint = assertThrows(Exception.class, () -> TrainJob.run(spark, config(2)));
    assertOneClearLine(atCheckpoint, "write a checkpoint");
    assertArrayEquals(before, published());
    assertEquals(metrics, Files.readString(tmp.resolve("out/metrics.json")));
    assertEquals(List.of(), leftovers());

    FullDiskFileSystem.failWhen =
        p -> p.toString().contains("/.tmp-") && p.getName().equals("weights.safetensors");
    Exception atPublish = assertThrows(Exception.class, () -> TrainJob.run(spark, config(2)));
    assertOneClearLine(atPublish, "publish the model, metrics.json and config.json");
    assertArrayEquals(before, published());
    assertEquals(metrics, Files.readString(tmp.resolve("out/metrics.json")));
    assertEquals(List.of(), leftovers());

    FullDiskFileSystem.failWhen = p -> false;
    TrainJob.run(spark, config(2));
    assertFalse(Arrays.equals(before, published()), "with room, the new run publishes");
  }
}
