package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.datasets.seeddata.SeedData;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * The three seed configs in conf/ run end to end, as shipped except for the data (a tiny
 * Fashion-MNIST look-alike, turned into the two image folders by the seed-data writer behind
 * scripts/make-seed-data), one epoch and the output folder.
 */
class SeedConfigsSmokeTest extends SparkSessionTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    writeIdx(tmp.resolve("fmnist/train"), 60, 1);
    writeIdx(tmp.resolve("fmnist/t10k"), 30, 2);
    SeedData.main(new String[] {tmp.resolve("fmnist").toString(), tmp.resolve("seed").toString()});
  }

  /**
   * n random 28 x 28 images with labels 0..9 in turn, as gzipped IDX files like Fashion-MNIST's.
   */
  private static void writeIdx(Path prefix, int n, long seed) throws IOException {
    byte[] pixels = new byte[n * 28 * 28];
    new Random(seed).nextBytes(pixels);
    int[] labels = IntStream.range(0, n).map(i -> i % 10).toArray();
    TestImages.of(28, pixels, labels).writeIdx(prefix, true);
  }

  /** Runs conf/NAME.json for one epoch on the tiny data; returns metrics.json as written. */
  private static Map<String, Object> run(String name, String... dataSets) throws IOException {
    Path conf = REPO.resolve("conf/" + name + ".json");
    Map<String, Object> shipped = JsonFields.asObject(Json.parse(conf), conf.toString());
    List<String> sets =
        new ArrayList<>(
            List.of(
                "model=" + REPO.resolve((String) shipped.get("model")),
                "epochs=1",
                "output=" + tmp.resolve("runs/" + name)));
    sets.addAll(List.of(dataSets));
    TrainJob.run(spark, JobConfig.parse(Files.readString(conf), conf.toString(), sets));
    return JsonFields.asObject(
        Json.parse(tmp.resolve("runs/" + name + "/metrics.json")), "metrics.json");
  }

  /** Runs conf/NAME.json on the seed data's folders seed/NAME/train and seed/NAME/validation. */
  private static Map<String, Object> runOnFolders(String name) throws IOException {
    Path data = tmp.resolve("seed/" + name);
    return run(
        name,
        "train_data=" + data.resolve("train"),
        "validation_data=" + data.resolve("validation"));
  }

  /** metrics.json's training and validation row counts. */
  private static void assertRows(long train, long validation, Map<String, Object> metrics) {
    assertEquals(
        List.of(train, validation),
        List.of(metrics.get("train_rows"), metrics.get("validation_rows")),
        "train_rows, validation_rows");
  }

  private static Map<String, Object> lastEpoch(Map<String, Object> metrics) {
    List<Object> history = JsonFields.getList(metrics, "history", "metrics.json");
    return JsonFields.asObject(history.get(history.size() - 1), "epoch");
  }

  @Test
  void binaryConfigTrainsOneSigmoidOnTwoClassFolders() throws Exception {
    Map<String, Object> m = runOnFolders("binary");
    // Of 60 training images labelled 0..9 in turn, 6 are Pullovers and 6 Coats (3 + 3 of 30).
    assertRows(12, 6, m);
    assertEquals("binary", m.get("label_mode"));
    assertEquals("binary_accuracy", m.get("accuracy_metric"));
    double valAccuracy = (Double) lastEpoch(m).get("val_accuracy");
    assertEquals(0, valAccuracy * 6 - Math.rint(valAccuracy * 6), 1e-9, "a count out of 6");

    Map<String, Object> evaluated =
        TrainingRuns.evaluate(
            spark, tmp.resolve("runs/binary/model"), tmp.resolve("seed/binary/validation"));
    assertEquals("binary", evaluated.get("label_mode"), "read back from the model directory");
    assertEquals("binary_accuracy", evaluated.get("accuracy_metric"));
    assertEquals(valAccuracy, (Double) evaluated.get("accuracy"), 1e-9);
  }

  @Test
  void rgb64ConfigTrainsOnTintedRgbFolders() throws Exception {
    Map<String, Object> m = runOnFolders("rgb64");
    assertRows(60, 30, m);
    assertEquals("sparse_categorical_accuracy", m.get("accuracy_metric"));
    assertTrue(Double.isFinite((Double) lastEpoch(m).get("val_loss")));
  }

  @Test
  void seedConfigHoldsOutTenPercentAndKeepsT10kForTheTest() throws Exception {
    Map<String, Object> m =
        run(
            "fashion-mnist",
            "train_data=" + tmp.resolve("fmnist/train"),
            "test_data=" + tmp.resolve("fmnist/t10k"));
    assertRows(54, 6, m); // validation_split 0.1 of the training data
    Map<String, Object> test = JsonFields.getObject(m, "test", "metrics.json");
    assertEquals(30L, test.get("examples"), "t10k is the test set only");
  }
}
