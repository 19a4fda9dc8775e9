package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.CheckpointFiles;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/** The training and evaluation jobs end to end on a tiny generated IDX data set. */
class TrainJobTest extends SparkSessionTest {
  private static final int SIZE = 8;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    TrainingRuns.write(tmp, 300, SIZE, 5, true);
    TestImages.generate(100, SIZE, 4, 6).writeIdx(tmp.resolve("data/t10k"), false);
  }

  private static JobConfig config(String output, String... sets) {
    return TrainingRuns.config(
        tmp,
        "\"test_data\": "
            + Json.writeCompact(tmp.resolve("data/t10k").toString())
            + ", \"validation_split\": 0.2, \"epochs\": 1, \"batch_size\": 16, \"seed\": 3, "
            + "\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01}, "
            + "\"class_names\": [\"tl\", \"tr\", \"bl\", \"br\"]",
        tmp.resolve(output).toString(),
        sets);
  }

  /** What a job of {@code config("bad", sets)} fails with. */
  private static String failure(String... sets) {
    return assertThrows(RuntimeException.class, () -> TrainJob.run(spark, config("bad", sets)))
        .getMessage();
  }

  @Test
  void trainsWritesModelAndMetricsAndEvaluates() throws Exception {
    Map<String, Object> metrics = TrainJob.run(spark, config("run", "train_limit=250"));
    Path out = tmp.resolve("run");
    assertTrue(Files.isRegularFile(out.resolve("model/" + ModelDirectory.WEIGHTS_FILE)));
    assertTrue(Files.isRegularFile(out.resolve("config.json")));
    Map<String, Object> written =
        JsonFields.asObject(Json.parse(out.resolve("metrics.json")), "metrics.json");
    assertEquals(200L, written.get("train_rows"), "train_limit 250, then 20% held out");
    assertEquals(50L, written.get("validation_rows"));
    List<Object> history = JsonFields.getList(written, "history", "metrics.json");
    assertEquals(1, history.size());
    Map<String, Object> epoch = JsonFields.asObject(history.get(0), "epoch");
    assertTrue((Double) epoch.get("val_accuracy") >= 0 && (Double) epoch.get("loss") > 0);
    Map<String, Object> test = JsonFields.getObject(written, "test", "metrics.json");
    assertEquals(100L, test.get("examples"));
    assertTrue((Double) written.get("images_per_second") > 0);
    assertTrue((Double) written.get("wall_seconds") > 0);
    assertEquals(metrics.get("train_rows"), written.get("train_rows"));

    ModelDirectory.Loaded model = ModelDirectory.load(out.resolve("model"));
    assertEquals(List.of("tl", "tr", "bl", "br"), model.info().classNames());
    // The last epoch's checkpoint holds the final weights.
    Path checkpoint;
    try (Stream<Path> c = Files.list(out.resolve(TrainJob.CHECKPOINTS_DIR))) {
      checkpoint = c.sorted().reduce((a, b) -> b).orElseThrow();
    }
    Sequential restored = LocalSpark.model(SIZE, 1, 4, 99);
    Map<String, byte[]> files = new HashMap<>();
    for (String name : CheckpointFiles.allFiles()) {
      files.put(name, Files.readAllBytes(checkpoint.resolve(name)));
    }
    restored.compile("sparse_categorical_crossentropy", new Adam(0.01), "accuracy");
    Map<String, Object> progress = CheckpointFiles.restore(files, restored, checkpoint.toString());
    Assertions.assertArrayEquals(model.model().parameters(), restored.parameters());
    assertEquals(
        (long) history.size(),
        JsonFields.getObject(progress, "resume_point", "state").get("epoch"));

    Map<String, Object> evaluated =
        TrainingRuns.evaluate(
            spark, out.resolve("model"), tmp.resolve("data/t10k"), "--partitions", "3");
    assertEquals(100L, evaluated.get("examples"));
    assertEquals(
        (Double) test.get("accuracy"),
        (Double) evaluated.get("accuracy"),
        1e-9,
        "the job's test figure and a later evaluation agree");
  }

  @Test
  void relativeDataPathsAreMadeAbsoluteOnTheDriver() {
    // Executors on a cluster run in their own working directory: a relative path must not
    // reach them as it is.
    String q =
        DataSources.qualify(
            JavaSparkContext.fromSparkContext(spark.sparkContext()), "data/fashion-mnist/t10k");
    String cwd = Path.of("").toAbsolutePath().toString();
    assertEquals("file:" + cwd + "/data/fashion-mnist/t10k", q);
  }

  @Test
  void badInputFailsBeforeTrainingWithTheKeyOrPathNamed() {
    String missing = failure("train_data=" + tmp.resolve("nope/x"));
    assertTrue(missing.contains("No data at this path") && missing.contains("nope"), missing);
    String spec = failure("model=" + tmp.resolve("none.json"));
    assertTrue(spec.contains("model spec not found"), spec);
    String names = failure("class_names=[\"a\"]");
    assertTrue(names.contains("class_names has the wrong length"), names);
    assertTrue(!Files.exists(tmp.resolve("bad")), "nothing written for a failed job");
  }
}
