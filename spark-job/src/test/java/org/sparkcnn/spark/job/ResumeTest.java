package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.CheckpointFiles;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.io.OutputLock;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * A run stopped after step k (the driver "killed" in the JVM: an exception from the step observer,
 * after which nothing of the run is kept but what it wrote) and resumed from its checkpoints ends
 * with the same weights, bit for bit, and the same history as a run that was never stopped.
 */
class ResumeTest extends SparkSessionTest {
  private static final int SIZE = 8;
  // 200 rows, 20% held out: 160 training rows, batch 16 -> 10 steps per epoch; 2 epochs.
  private static final int STEPS_PER_EPOCH = 10;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    TestImages.generate(200, SIZE, 4, 11).writeIdx(tmp.resolve("data/train"), false);
    // Dropout makes the masks' random position part of what a resume must restore.
    Sequential spec =
        new Sequential()
            .add(new Conv2D(4, 3).activation("relu").inputShape(SIZE, SIZE, 1))
            .add(new MaxPooling2D(2))
            .add(new Flatten())
            .add(new Dropout(0.25))
            .add(new Dense(4, "softmax"));
    Files.writeString(tmp.resolve("model.json"), ModelSpec.toJson(spec));
  }

  private static JobConfig config(String output, String optimizer, String... sets) {
    return TrainingRuns.config(
        tmp,
        "\"validation_split\": 0.2, \"epochs\": 2, \"batch_size\": 16, \"seed\": 5,"
            + " \"checkpoint_every_steps\": 4, \"keep_checkpoints\": 2, \"optimizer\": "
            + optimizer,
        tmp.resolve(output).toString(),
        sets);
  }

  private static final String ADAM = "{\"name\": \"adam\", \"learning_rate\": 0.01}";
  private static final String SGD =
      "{\"name\": \"sgd\", \"learning_rate\": 0.05, \"momentum\": 0.9, \"nesterov\": true}";

  /** Runs until global step {@code killAt} (from 0) has been applied, then "kills" the driver. */
  private static void runUntilKilled(JobConfig cfg, long killAt) {
    DistributedTrainer.StepObserver kill =
        (epoch, step, global, loss, norm) -> {
          if (global == killAt) {
            throw new SimulatedKill();
          }
        };
    assertThrows(SimulatedKill.class, () -> TrainJob.run(spark, cfg, kill));
  }

  private static final class SimulatedKill extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private static float[] weights(String output) throws IOException {
    return ModelDirectory.load(tmp.resolve(output).resolve("model")).model().parameters();
  }

  private static List<Map<String, Object>> history(String output) throws IOException {
    Map<String, Object> m =
        JsonFields.asObject(
            Json.parse(tmp.resolve(output).resolve("metrics.json")), output + " metrics");
    return JsonFields.getObjectList(m, "history", "metrics");
  }

  private static List<Path> checkpoints(String output) throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve(output).resolve(TrainJob.CHECKPOINTS_DIR))) {
      return s.sorted().toList();
    }
  }

  @Test
  void adamWithDropoutResumedMidEpochEqualsAnUninterruptedRun() throws Exception {
    TrainJob.run(spark, config("adam-whole", ADAM));
    // Killed at global step 13 (epoch 2, its 4th step); the newest checkpoint is of step 12.
    runUntilKilled(config("adam-resumed", ADAM), 13);
    assertFalse(Files.exists(tmp.resolve("adam-resumed/model")), "nothing published yet");
    TrainJob.run(spark, config("adam-resumed", ADAM, "resume=true"));

    float[] whole = weights("adam-whole");
    assertArrayEquals(whole, weights("adam-resumed"), "bit-identical final weights");
    List<Map<String, Object>> a = history("adam-whole");
    List<Map<String, Object>> b = history("adam-resumed");
    assertEquals(2, b.size(), "the history continues: both epochs, not only the resumed one");
    for (int i = 0; i < 2; i++) {
      assertEquals((long) i + 1, b.get(i).get("epoch"));
      for (String k : List.of("loss", "accuracy", "val_loss", "val_accuracy", "examples")) {
        assertEquals(a.get(i).get(k), b.get(i).get(k), "epoch " + (i + 1) + " " + k);
      }
    }
    assertEquals(2, checkpoints("adam-resumed").size(), "keep_checkpoints 2");
  }

  @Test
  void damagedNewestCheckpointIsReportedAndThePreviousOneUsed() throws Exception {
    TrainJob.run(spark, config("sgd-whole", SGD));
    runUntilKilled(config("sgd-damaged", SGD), 13);
    List<Path> before = checkpoints("sgd-damaged");
    assertEquals(2, before.size(), "checkpoints of steps 8 and 12: " + before);
    Path newest = before.get(before.size() - 1);
    assertTrue(newest.getFileName().toString().startsWith("ckpt-000000000012-"), newest.toString());
    Path weightsFile = newest.resolve(CheckpointFiles.OPTIMIZER_FILE);
    byte[] bytes = Files.readAllBytes(weightsFile);
    bytes[bytes.length - 3] ^= 0x40; // one bit of one momentum value
    Files.write(weightsFile, bytes);

    TrainJob.run(spark, config("sgd-damaged", SGD, "resume=true"));
    assertFalse(Files.exists(newest), "the damaged checkpoint was passed over and removed");
    assertArrayEquals(weights("sgd-whole"), weights("sgd-damaged"));
  }

  @Test
  void resumeChecksTheConfigAndAutoStartsAfreshOnAnotherOne() throws Exception {
    runUntilKilled(config("mismatch", ADAM), 5);
    String message =
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainJob.run(spark, config("mismatch", ADAM, "resume=true", "seed=6")))
            .getMessage();
    assertTrue(message.contains("seed: 5 -> 6"), message);

    // auto with another seed: a fresh run, whose history and weights are its own.
    TrainJob.run(spark, config("mismatch", ADAM, "resume=\"auto\"", "seed=6"));
    TrainJob.run(spark, config("fresh6", ADAM, "seed=6"));
    assertArrayEquals(weights("fresh6"), weights("mismatch"));

    String none =
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainJob.run(spark, config("nothing-here", ADAM, "resume=true")))
            .getMessage();
    assertTrue(none.contains("no checkpoint to resume from"), none);
  }

  @Test
  void aResumedFinishedRunOnlyRepublishes() throws Exception {
    TrainJob.run(spark, config("finished", ADAM));
    float[] first = weights("finished");
    List<Long> epochs = new ArrayList<>();
    TrainJob.run(
        spark,
        config("finished", ADAM, "resume=\"auto\""),
        (epoch, step, global, loss, norm) -> epochs.add(global));
    assertEquals(List.of(), epochs, "no step was run again");
    assertArrayEquals(first, weights("finished"));
    // More epochs continue the same run.
    TrainJob.run(spark, config("finished", ADAM, "resume=true", "epochs=3"));
    assertEquals(3, history("finished").size());
    assertNotEquals(first[0], weights("finished")[0]);
  }

  @Test
  void aSecondWriterOfTheSameOutputIsRefused() throws Exception {
    String out = tmp.resolve("contested").toString();
    try (OutputLock held = OutputLock.acquire(out, spark.sparkContext().hadoopConfiguration())) {
      String m =
          assertThrows(
                  OutputLock.OutputLockedException.class,
                  () -> TrainJob.run(spark, config("contested", ADAM)))
              .getMessage();
      assertTrue(m.contains("is being written by another run") && m.contains(held.run()), m);
    }
    assertFalse(Files.exists(tmp.resolve("contested/model")));
    assertFalse(Files.exists(tmp.resolve("contested/checkpoints")), "nothing written");
  }
}
