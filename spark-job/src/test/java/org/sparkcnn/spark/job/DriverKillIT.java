package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.CheckpointFiles;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.spark.io.OutputLock;
import org.sparkcnn.spark.testing.ChildProcess;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.TestImages;

/**
 * The driver killed for real: {@code scripts/train} on {@code local[2]} in a child JVM gets SIGKILL
 * in the middle of its second epoch, right after a checkpoint; {@code scripts/train --resume} then
 * takes over the dead driver's lock, removes what it left, continues from the checkpoint and ends
 * with the weights of a run that was never stopped, bit for bit, and a history of each epoch once.
 *
 * <p>Runs under Failsafe in {@code mvn verify} (it needs the packaged job jar): three driver JVMs,
 * about 30-60 s on 2 cores. Prints the time from the kill to the resumed run's first step (a new
 * driver JVM, Spark's start, the data decoded again, the checkpoint loaded), which {@code
 * scripts/bench --section recovery} reports.
 */
class DriverKillIT {
  private static final int SIZE = 8;
  // 16,000 rows at batch 16: 1,000 steps per epoch, 2 epochs; a checkpoint every 100 steps.
  private static final int STEPS_PER_EPOCH = 1_000;
  private static Path root;
  private static Path work;

  @BeforeAll
  static void data() throws Exception {
    root = Path.of("").toAbsolutePath().getParent();
    assertTrue(Files.isRegularFile(root.resolve("scripts/train")), "run from spark-job/");
    work = Files.createTempDirectory(Path.of("").toAbsolutePath().resolve("target"), "it-driver");
    TestImages.generate(16 * STEPS_PER_EPOCH, SIZE, 4, 7).writeIdx(work.resolve("train"), false);
    Files.writeString(
        work.resolve("model.json"), ModelSpec.toJson(LocalSpark.model(SIZE, 1, 4, 0)));
  }

  @Test
  void aDriverKilledMidEpochResumesToTheUndisturbedWeightsAndHistory() throws Exception {
    ChildProcess undisturbed = train("undisturbed");
    assertEquals(0, undisturbed.waitFor(300), undisturbed.output());

    ChildProcess killed = train("killed");
    Path checkpoints = work.resolve("killed").resolve(TrainJob.CHECKPOINTS_DIR);
    awaitCompleteCheckpoint(checkpoints, STEPS_PER_EPOCH + 100, 2 * STEPS_PER_EPOCH - 400, 300);
    killed.kill9();
    long killedAt = System.nanoTime();
    Path lock = work.resolve("killed").resolve(OutputLock.LOCK_FILE);
    assertTrue(Files.exists(lock), "the killed driver's lock stays behind");
    assertFalse(Files.exists(work.resolve("killed/model")), "nothing was published");

    ChildProcess resumed = train("killed", "--resume");
    resumed.await("first step done", 1, 300);
    double toTraining = (System.nanoTime() - killedAt) / 1e9;
    assertEquals(0, resumed.waitFor(300), resumed.output());
    System.out.printf(
        Locale.ROOT,
        "recovery (local[2], driver SIGKILL then scripts/train --resume): training again %.1f s"
            + " after the kill%n",
        toTraining);
    String out = resumed.output();
    assertTrue(out.contains("took over the stale lock"), out);
    Matcher m =
        Pattern.compile("resuming from \\S+: epoch (\\d+), (\\d+) steps of it done").matcher(out);
    assertTrue(m.find(), out);
    int epoch = Integer.parseInt(m.group(1));
    int done = Integer.parseInt(m.group(2));
    assertTrue(
        epoch == 2 && done > 0 && done < STEPS_PER_EPOCH, "resumed mid-epoch 2: " + m.group());

    assertArrayEquals(
        Files.readAllBytes(work.resolve("undisturbed/model/weights.safetensors")),
        Files.readAllBytes(work.resolve("killed/model/weights.safetensors")),
        "a killed and resumed run ends with the undisturbed run's weights");
    List<Map<String, Object>> a = history("undisturbed");
    List<Map<String, Object>> b = history("killed");
    assertEquals(
        List.of(1L, 2L), b.stream().map(e -> e.get("epoch")).toList(), "each epoch once: " + b);
    for (int i = 0; i < a.size(); i++) {
      for (String k : List.of("loss", "accuracy", "examples")) {
        assertEquals(a.get(i).get(k), b.get(i).get(k), "epoch " + (i + 1) + " " + k);
      }
    }
    assertEquals(
        List.of("epoch", "0", "1"),
        Files.readAllLines(work.resolve("killed/metrics.csv")).stream()
            .map(l -> l.split(",")[0])
            .toList(),
        "metrics.csv: Keras' epochs 0 and 1, once each");
    assertEquals(List.of(), leftovers(work.resolve("killed")), "the lock and temporaries are gone");
  }

  private ChildProcess train(String output, String... more) throws IOException {
    String config =
        "{\"model\": \""
            + work.resolve("model.json")
            + "\", \"train_data\": \""
            + work.resolve("train")
            + "\", \"epochs\": 2, \"batch_size\": 16, \"seed\": 9, \"partitions\": 2, "
            + "\"checkpoint_every_steps\": 100, \"keep_checkpoints\": 2, \"verbose\": 2, "
            + "\"output\": \""
            + work.resolve(output)
            + "\"}";
    Path file = work.resolve(output + ".json");
    Files.writeString(file, config);
    List<String> command =
        Stream.concat(
                Stream.of(
                    "scripts/train",
                    "--config",
                    file.toString(),
                    "--master",
                    "local[2]",
                    "--driver-memory",
                    "512m"),
                Stream.of(more))
            .toList();
    return ChildProcess.start(
        command, root, Map.of("SPARK_CNN_LOG", work.resolve(output + ".log").toString()));
  }

  /** Waits until a checkpoint of a global step in [from, to] is complete (has its manifest). */
  private static void awaitCompleteCheckpoint(Path dir, long from, long to, int seconds)
      throws Exception {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> names = Files.list(dir)) {
          boolean found =
              names.anyMatch(
                  p -> {
                    String n = p.getFileName().toString();
                    if (!n.matches("ckpt-\\d{12}-.*")) {
                      return false;
                    }
                    long step = Long.parseLong(n.substring(5, 17));
                    return step >= from
                        && step <= to
                        && Files.exists(p.resolve(CheckpointFiles.MANIFEST_FILE));
                  });
          if (found) {
            return;
          }
        } catch (NoSuchFileException | UncheckedIOException raced) {
          // pruned while listed: look again
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError(
        "no complete checkpoint of steps " + from + "-" + to + " within " + seconds + " s");
  }

  private static List<Map<String, Object>> history(String output) throws IOException {
    Path p = work.resolve(output).resolve("metrics.json");
    return JsonFields.getObjectList(
        JsonFields.asObject(Json.parse(p), p.toString()), "history", p.toString());
  }

  /** The lock and any temporary or set-aside file or folder, anywhere in the output. */
  private static List<String> leftovers(Path output) throws IOException {
    try (Stream<Path> s = Files.walk(output)) {
      return s.map(p -> output.relativize(p).toString())
          .filter(
              n -> {
                String name = Path.of(n).getFileName().toString();
                return name.contains(".tmp-")
                    || name.startsWith(".old-")
                    || name.startsWith(OutputLock.LOCK_FILE);
              })
          .toList();
    }
  }
}
