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
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.CheckpointFiles;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.TestImages;

/** The training and evaluation jobs end to end on a tiny generated IDX data set. */
class TrainJobTest {
  private static final int SIZE = 8;
  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start("train-job");
    TestImages.generate(300, SIZE, 4, 5).writeIdx(tmp.resolve("data/train"), true);
    TestImages.generate(100, SIZE, 4, 6).writeIdx(tmp.resolve("data/t10k"), false);
    Files.writeString(tmp.resolve("model.json"), ModelSpec.toJson(LocalSpark.model(SIZE, 1, 4, 0)));
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static String config(String output) {
    return "{\"model\": \""
        + tmp.resolve("model.json")
        + "\", "
        + "\"train_data\": \""
        + tmp.resolve("data/train")
        + "\", "
        + "\"test_data\": \""
        + tmp.resolve("data/t10k")
        + "\", "
        + "\"validation_split\": 0.2, \"epochs\": 1, \"batch_size\": 16, \"seed\": 3, "
        + "\"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01}, "
        + "\"class_names\": [\"tl\", \"tr\", \"bl\", \"br\"], "
        + "\"output\": \""
        + tmp.resolve(output)
        + "\"}";
  }

  @Test
  void trainsWritesModelAndMetricsAndEvaluates() throws Exception {
    Map<String, Object> metrics =
        TrainJob.run(spark, JobConfig.parse(config("run"), "test", List.of("train_limit=250")));
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
        EvaluateJob.run(
            spark,
            EvaluateJob.Args.parse(
                new String[] {
                  "--model",
                  out.resolve("model").toString(),
                  "--data",
                  tmp.resolve("data/t10k").toString(),
                  "--partitions",
                  "3"
                }));
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
    String missing =
        assertThrows(
                RuntimeException.class,
                () ->
                    TrainJob.run(
                        spark,
                        JobConfig.parse(
                            config("bad"), "test", List.of("train_data=" + tmp.resolve("nope/x")))))
            .getMessage();
    assertTrue(missing.contains("No data at this path") && missing.contains("nope"), missing);
    String spec =
        assertThrows(
                RuntimeException.class,
                () ->
                    TrainJob.run(
                        spark,
                        JobConfig.parse(
                            config("bad"), "test", List.of("model=" + tmp.resolve("none.json")))))
            .getMessage();
    assertTrue(spec.contains("model spec not found"), spec);
    String names =
        assertThrows(
                RuntimeException.class,
                () ->
                    TrainJob.run(
                        spark,
                        JobConfig.parse(config("bad"), "test", List.of("class_names=[\"a\"]"))))
            .getMessage();
    assertTrue(names.contains("class_names has the wrong length"), names);
    assertTrue(!Files.exists(tmp.resolve("bad")), "nothing written for a failed job");
  }
}
