package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.spark.report.tensorboard.TensorBoardLogTest;
import org.sparkcnn.spark.testing.JobsSeen;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * What a training run leaves for people to read, parsed back: metrics.csv, the PNG charts and
 * report.html; and scripts/evaluate's report.
 */
class TrainOutputsTest extends SparkSessionTest {
  private static final int SIZE = 8;
  private static final List<String> CLASSES = List.of("tl", "tr", "bl", "br");
  private static Path out;
  private static Map<String, Object> metrics;

  private static JobsSeen jobs;

  /** Every job the training run submitted, in order. */
  private static List<JobsSeen.Job> trainingJobs;

  @TempDir static Path tmp;

  @BeforeAll
  static void train() throws Exception {
    TrainingRuns.write(tmp, 200, SIZE, 5, true);
    TestImages.generate(60, SIZE, 4, 6).writeIdx(tmp.resolve("data/t10k"), false);
    out = tmp.resolve("run");
    String config =
        Json.write(
            Map.of(
                "model",
                tmp.resolve("model.json").toString(),
                "train_data",
                tmp.resolve("data/train").toString(),
                "test_data",
                tmp.resolve("data/t10k").toString(),
                "validation_split",
                0.2,
                "epochs",
                2,
                "batch_size",
                16,
                "optimizer",
                Map.of("name", "adam", "learning_rate", 0.01),
                "class_names",
                CLASSES,
                "tensorboard_update_freq",
                5,
                "output",
                out.toString()));
    jobs = JobsSeen.on(spark.sparkContext());
    TrainJob.run(spark, JobConfig.parse(config, "test", List.of()));
    trainingJobs = jobs.since(0);
    metrics = JsonFields.asObject(Json.parse(out.resolve("metrics.json")), "metrics.json");
  }

  @Test
  void metricsCsvHasKerasColumnsAndTheHistoryValues() throws Exception {
    List<String> lines = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(
        "epoch,accuracy,loss,val_accuracy,val_loss,images_per_second,seconds", lines.get(0));
    List<Object> history = JsonFields.getList(metrics, "history", "metrics.json");
    assertEquals(history.size() + 1, lines.size());
    for (int e = 0; e < history.size(); e++) {
      String[] cells = lines.get(e + 1).split(",", -1);
      Map<String, Object> h = JsonFields.asObject(history.get(e), "epoch");
      assertEquals(e, Integer.parseInt(cells[0]), "Keras' CSVLogger counts epochs from 0");
      assertEquals((Double) h.get("accuracy"), Double.parseDouble(cells[1]), 1e-12);
      assertEquals((Double) h.get("loss"), Double.parseDouble(cells[2]), 1e-12);
      assertEquals((Double) h.get("val_accuracy"), Double.parseDouble(cells[3]), 1e-12);
      assertEquals((Double) h.get("val_loss"), Double.parseDouble(cells[4]), 1e-12);
      assertEquals((Double) h.get("images_per_second"), Double.parseDouble(cells[5]), 0.06);
      assertEquals((Double) h.get("train_seconds"), Double.parseDouble(cells[6]), 6e-4);
    }
  }

  @Test
  void tensorBoardEventsHoldTheHistory() throws Exception {
    var train =
        TensorBoardLogTest.scalars(TensorBoardLogTest.only(out.resolve("tensorboard/train")));
    var validation =
        TensorBoardLogTest.scalars(TensorBoardLogTest.only(out.resolve("tensorboard/validation")));
    List<Object> history = JsonFields.getList(metrics, "history", "metrics.json");
    for (int e = 0; e < history.size(); e++) {
      Map<String, Object> h = JsonFields.asObject(history.get(e), "epoch");
      assertEquals(((Double) h.get("loss")).floatValue(), train.get("epoch_loss").get((long) e));
      assertEquals(
          ((Double) h.get("val_accuracy")).floatValue(),
          validation.get("epoch_accuracy").get((long) e));
    }
    assertEquals(0.01f, train.get("epoch_learning_rate").get(0L));
    // 160 rows at batch 16: 10 steps per epoch, 20 in all; batch_loss every 5 (the config's).
    assertEquals(Set.of(0L, 5L, 10L, 15L), train.get("batch_loss").keySet());
  }

  @Test
  void everySparkJobHasAGroupAndADescription() {
    JobsSeen.assertAllNamed(trainingJobs);
    List<String> descriptions = trainingJobs.stream().map(JobsSeen.Job::description).toList();
    // 200 rows, validation_split 0.2: 160 training rows, 10 steps per epoch at batch 16.
    List<String> expected =
        List.of(
            "spark-cnn: decode validation data",
            "spark-cnn: decode training data",
            "spark-cnn: count training examples",
            "spark-cnn: epoch 1/2 steps 1-10",
            "spark-cnn: validation epoch 1",
            "spark-cnn: epoch 2/2 steps 1-10",
            "spark-cnn: validation epoch 2",
            "spark-cnn: decode test data",
            "spark-cnn: test evaluation",
            "spark-cnn: confusion matrix");
    assertEquals(
        expected,
        descriptions.stream().filter(expected::contains).distinct().toList(),
        "in this order: " + descriptions);
    // The status tracker files the same jobs under their groups.
    var tracker = spark.sparkContext().statusTracker();
    for (String group : List.of("spark-cnn-data", "spark-cnn-train", "spark-cnn-validation")) {
      Set<String> ids = new TreeSet<>();
      for (int id : tracker.getJobIdsForGroup(group)) {
        ids.add(Integer.toString(id));
      }
      Set<String> mine = new TreeSet<>();
      for (JobsSeen.Job job : jobs.since(0)) {
        if (group.equals(job.group())) {
          mine.add(Integer.toString(job.id()));
        }
      }
      assertTrue(!ids.isEmpty() && ids.equals(mine), group + ": " + ids + " vs " + mine);
    }
  }

  @Test
  void pngFilesDecode() throws Exception {
    for (String name : List.of("loss.png", "accuracy.png", "confusion_matrix.png")) {
      BufferedImage img = ImageIO.read(out.resolve(name).toFile());
      assertNotNull(img, name + " is not a readable image");
      assertTrue(img.getWidth() >= 400 && img.getHeight() >= 300, name);
    }
  }

  @Test
  void reportHasCurvesMatrixPerClassModelConfigAndEnvironment() throws Exception {
    String html = Files.readString(out.resolve("report.html"));
    // Self-contained: every picture is inline and decodes; nothing is fetched.
    Matcher img =
        Pattern.compile(
                "<img alt=\"[^\"]*\" title=\"([a-z_]+\\.png)\" src=\"data:image/png;base64,([^\"]+)\">")
            .matcher(html);
    Set<String> seen = new HashSet<>();
    while (img.find()) {
      byte[] png = Base64.getDecoder().decode(img.group(2));
      assertNotNull(ImageIO.read(new ByteArrayInputStream(png)), img.group(1));
      assertEquals(Files.size(out.resolve(img.group(1))), png.length, img.group(1));
      seen.add(img.group(1));
    }
    assertEquals(Set.of("loss.png", "accuracy.png", "confusion_matrix.png"), seen);
    assertTrue(
        !html.contains("http://") && !html.contains("https://") && !html.contains("<script"));

    // The matrix table: one row per class with its name; its counts sum to the test examples and
    // its diagonal gives the test accuracy that metrics.json reports.
    Map<String, Object> test = JsonFields.getObject(metrics, "test", "metrics.json");
    String table = html.substring(html.indexOf("<table class=\"confusion\">"));
    table = table.substring(0, table.indexOf("</table>"));
    long total = 0;
    long diagonal = 0;
    for (String name : CLASSES) {
      Matcher row =
          Pattern.compile("<tr><th class=\"name\">" + name + "</th>(.*?)</tr>").matcher(table);
      assertTrue(row.find(), "row of class " + name);
      Matcher cell = Pattern.compile("<td( class=\"diag\")?>(\\d+)</td>").matcher(row.group(1));
      int cells = 0;
      while (cell.find()) {
        long v = Long.parseLong(cell.group(2));
        total += v;
        diagonal += cell.group(1) != null ? v : 0;
        cells++;
      }
      assertEquals(CLASSES.size(), cells);
    }
    assertEquals((Long) test.get("examples"), total);
    assertEquals((Double) test.get("accuracy"), (double) diagonal / total, 1e-9);
    assertTrue(html.contains("<th>precision</th><th>recall</th><th>F1</th>"), "per-class table");
    assertTrue(html.contains("Total params"), "model summary");
    assertTrue(html.contains("&quot;validation_split&quot;: 0.2"), "effective config");
    assertTrue(html.contains("Spark version</th><td class=\"name\">" + spark.version()));
    assertTrue(html.contains("kernels (driver)"));
    assertTrue(html.contains("finished"));
  }

  @Test
  void evaluateWritesTheSameReportForASavedModel() throws Exception {
    Path report = tmp.resolve("eval-report");
    int mark = jobs.mark();
    Map<String, Object> evaluated =
        EvaluateJob.run(
            spark,
            EvaluateJob.Args.parse(
                new String[] {
                  "--model", out.resolve("model").toString(),
                  "--data", tmp.resolve("data/t10k").toString(),
                  "--report", report.toString()
                }));
    // Its data loading, evaluation and confusion matrix jobs are named too.
    List<JobsSeen.Job> evaluation = jobs.since(mark);
    JobsSeen.assertAllNamed(evaluation);
    List<String> descriptions = evaluation.stream().map(JobsSeen.Job::description).toList();
    assertTrue(
        descriptions.contains("spark-cnn: decode evaluation data")
            && descriptions.contains("spark-cnn: confusion matrix"),
        descriptions.toString());
    String html = Files.readString(report.resolve("report.html"));
    assertTrue(html.contains("<table class=\"confusion\">") && html.contains("<th>br</th>"));
    assertNotNull(ImageIO.read(report.resolve("confusion_matrix.png").toFile()));
    assertTrue(
        html.contains(String.format(Locale.ROOT, "%.4f", (Double) evaluated.get("accuracy"))));
  }
}
