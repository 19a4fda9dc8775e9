package org.sparkcnn.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.spark.testing.JobsSeen;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.ScoredColumns;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/** The Estimator and Model in a Pipeline, and their persistence through MLWritable/MLReadable. */
class CnnClassifierTest extends SparkSessionTest {
  private static final int SIZE = 6;
  private static JobsSeen jobs;
  private static Dataset<Row> data;
  private static String spec;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    jobs = JobsSeen.on(spark.sparkContext());
    TestImages images = TestImages.generate(120, SIZE, 4, 11);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < images.n; i++) {
      rows.add(RowFactory.create(i, images.png(i), (double) images.labels[i]));
    }
    data =
        spark
            .createDataFrame(
                jsc.parallelize(rows, 3),
                new StructType()
                    .add("id", DataTypes.IntegerType)
                    .add("image", DataTypes.BinaryType)
                    .add("label", DataTypes.DoubleType))
            .cache();
    spec = ModelSpec.toJson(LocalSpark.model(SIZE, 1, 4, 1));
  }

  private static CnnClassifier classifier() {
    return new CnnClassifier()
        .setModelSpec(spec)
        .setEpochs(3)
        .setBatchSize(16)
        .setLearningRate(0.01)
        .setSeed(7)
        .setClassNames(new String[] {"a", "b", "c", "d"});
  }

  private static List<Row> predictions(Dataset<Row> scored) {
    return scored
        .orderBy("id")
        .select("id", "prediction", "probability", "predicted_label")
        .collectAsList();
  }

  @Test
  void fitsInAPipelineAndAddsPredictionAndProbability() throws Exception {
    int mark = jobs.mark();
    PipelineModel fitted =
        new Pipeline()
            .setStages(new PipelineStage[] {classifier().setValidationSplit(0.2)})
            .fit(data);
    // Data decoding, the epochs and validation: every job of fit is named in the UI.
    JobsSeen.assertAllNamed(jobs.since(mark));
    Dataset<Row> scored = fitted.transform(data);
    ScoredColumns.assertAdded(scored, "id", "image", "label");
    List<Row> rows =
        scored
            .select("label", "prediction", "probability", "predicted_label", "error")
            .collectAsList();
    assertEquals(120, rows.size());
    int correct = 0;
    for (Row r : rows) {
      Vector p = r.getAs(2);
      assertEquals(4, p.size());
      assertEquals(1.0, p.toArray()[0] + p.toArray()[1] + p.toArray()[2] + p.toArray()[3], 1e-5);
      assertEquals(p.argmax(), r.getDouble(1));
      assertEquals(List.of("a", "b", "c", "d").get((int) r.getDouble(1)), r.getString(3));
      assertTrue(r.isNullAt(4));
      correct += r.getDouble(0) == r.getDouble(1) ? 1 : 0;
    }
    assertTrue(correct > 60, "the brightest quarter is easy to learn: " + correct + "/120");

    // Pipeline persistence goes through the stage's MLWritable and its static read().
    String path = tmp.resolve("pipeline").toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    assertEquals(predictions(scored), predictions(loaded.transform(data)));
  }

  @Test
  void aCheckpointedFitContinuesWhereTheLastOneStoppedWithTheSameResult() throws Exception {
    String dir = tmp.resolve("cnn-checkpoints").toString();
    float[] whole = classifier().fit(data).network().parameters();
    // One epoch, then the same fit with 3 epochs on the same folder: it resumes after epoch 1.
    // 120 rows at batch 16: 8 steps, a checkpoint every 2 of them: 4 taken, the newest kept.
    classifier()
        .setEpochs(1)
        .setCheckpointDir(dir)
        .setCheckpointInterval(2)
        .setKeepCheckpoints(1)
        .fit(data);
    try (Stream<Path> s = Files.list(Path.of(dir))) {
      assertEquals(
          1,
          s.filter(p -> Files.exists(p.resolve("manifest.json"))).count(),
          "keepCheckpoints 1: one published checkpoint in " + dir);
    }
    float[] resumed = classifier().setCheckpointDir(dir).fit(data).network().parameters();
    assertArrayEquals(whole, resumed, "bit-identical to the uninterrupted fit");
    // Another seed is other training: it starts afresh (and still trains).
    float[] other = classifier().setSeed(8).setCheckpointDir(dir).fit(data).network().parameters();
    assertArrayEquals(classifier().setSeed(8).fit(data).network().parameters(), other);
  }

  @Test
  void saveAndLoadGiveIdenticalPredictionsAndAModelDirectory() throws Exception {
    CnnClassificationModel model =
        classifier().setEpochs(1).fit(data).setPredictionCol("class").setBatchSize(7);
    Path dir = tmp.resolve("model");
    model.write().overwrite().save(dir.toString());
    for (String f :
        List.of(
            ModelDirectory.MODEL_FILE,
            ModelDirectory.WEIGHTS_FILE,
            ModelDirectory.SETTINGS_FILE,
            "metadata")) {
      assertTrue(Files.exists(dir.resolve(f)), f);
    }
    CnnClassificationModel loaded = CnnClassificationModel.load(dir.toString());
    assertEquals(model.uid(), loaded.uid());
    assertEquals("class", loaded.getOrDefault(loaded.predictionCol()));
    assertEquals(List.of("a", "b", "c", "d"), loaded.classNames());
    assertArrayEquals(model.network().parameters(), loaded.network().parameters());
    List<Row> a =
        model.transform(data).orderBy("id").select("class", "probability").collectAsList();
    List<Row> b =
        loaded.transform(data).orderBy("id").select("class", "probability").collectAsList();
    assertEquals(a, b);

    // The same directory is a spark-cnn model directory; a job's output loads as a model too.
    ModelDirectory.Loaded plain = ModelDirectory.load(dir);
    Path jobOutput = tmp.resolve("job-model");
    ModelDirectory.save(plain.model(), plain.info(), jobOutput);
    List<Row> c =
        CnnClassificationModel.load(jobOutput.toString())
            .setPredictionCol("class")
            .transform(data)
            .orderBy("id")
            .select("class", "probability")
            .collectAsList();
    assertEquals(a, c);
  }

  @Test
  void badInputFailsBeforeTraining() {
    Dataset<Row> noLabel = data.drop("label");
    String missing =
        assertThrows(RuntimeException.class, () -> classifier().fit(noLabel)).getMessage();
    assertTrue(missing.contains("The label column is missing"), missing);
    String noSpec =
        assertThrows(IllegalArgumentException.class, () -> new CnnClassifier().fit(data))
            .getMessage();
    assertTrue(noSpec.contains("'modelSpec' is not set"), noSpec);
    String empty =
        assertThrows(RuntimeException.class, () -> classifier().fit(data.limit(0))).getMessage();
    assertTrue(empty.contains("The training data is empty"), empty);
    String exists =
        assertThrows(
                IllegalArgumentException.class,
                () -> classifier().setEpochs(1).fit(data).setPredictionCol("label").transform(data))
            .getMessage();
    assertTrue(exists.contains("already exists"), exists);
  }
}
