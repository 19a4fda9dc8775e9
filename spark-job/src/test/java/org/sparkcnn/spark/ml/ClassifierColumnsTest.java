package org.sparkcnn.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * Spark ML's classifier columns for every kind of model (softmax, one sigmoid output, several
 * sigmoid outputs), in transform and the SQL functions, against a single-JVM forward pass; Spark
 * ML's evaluators on transform's output as it is; and a Pipeline that fits a binary model.
 *
 * <p>The expected logits come from a twin of each model whose last layer has no activation (same
 * weights): an independent forward pass, not the scoring path's own split of the last layer.
 */
class ClassifierColumnsTest extends SparkSessionTest {
  private static final int SIZE = 6;
  private static final int N = 40;
  private static TestImages images;
  private static Dataset<Row> table;

  @BeforeAll
  static void start() {
    images = TestImages.generate(N, SIZE, 3, 31);
    List<Row> rows = new ArrayList<>();
    Random r = new Random(7);
    for (int i = 0; i < N; i++) {
      float[] x = inputs(i);
      Float[] boxed = new Float[x.length];
      for (int k = 0; k < x.length; k++) {
        boxed[k] = x[k];
      }
      // Labels independent of the model, so that the evaluators' figures are not trivial.
      rows.add(RowFactory.create((long) i, boxed, (double) r.nextInt(2), r.nextInt(3)));
    }
    table =
        spark.createDataFrame(
            jsc.parallelize(rows, 3),
            new StructType()
                .add("id", DataTypes.LongType)
                .add("image", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.DoubleType)
                .add("class", DataTypes.IntegerType));
  }

  private static float[] inputs(int i) {
    float[] x = new float[SIZE * SIZE];
    for (int k = 0; k < x.length; k++) {
      x[k] = images.pixel(i, k) / 255f;
    }
    return x;
  }

  /** conv4-pool-flatten-Dense(outputs, activation); the same seed gives the same weights. */
  private static Sequential net(int outputs, String activation, long seed) {
    return new Sequential()
        .add(new Conv2D(4, 3).activation("relu").inputShape(SIZE, SIZE, 1))
        .add(new MaxPooling2D(2))
        .add(new Flatten())
        .add(new Dense(outputs, activation))
        .seed(seed)
        .compile(
            activation.equals("softmax")
                ? "sparse_categorical_crossentropy"
                : "binary_crossentropy",
            new Adam(0.01));
  }

  /** Single-JVM outputs (N, K) of a model, image by image. */
  private static float[] forward(Sequential net) {
    int k = net.outputShape().size();
    float[] out = new float[N * k];
    for (int i = 0; i < N; i++) {
      net.predictBatch(net.parameters(), inputs(i), 1, out, i * k);
    }
    return out;
  }

  /** The logits of {@code net}: the outputs of its twin without a final activation. */
  private static float[] logits(Sequential net, long seed) {
    Sequential twin = net(net.outputShape().size(), "linear", seed);
    twin.setParameters(net.parameters());
    return forward(twin);
  }

  /** A model with one sigmoid output whose logits spread around 0 (both classes predicted). */
  private static Sequential binaryNet() {
    Sequential net = net(1, "sigmoid", 3);
    float[] z = logits(net, 3);
    float[] sorted = z.clone();
    Arrays.sort(sorted);
    // Shift the output bias so that the median logit is 0.
    float[] w = net.parameters();
    w[w.length - 1] -= sorted[N / 2];
    net.setParameters(w);
    return net;
  }

  /** {@code net} as a model whose classes are named "no" and "yes". */
  private static CnnClassificationModel noYes(Sequential net) {
    return new CnnClassificationModel(
        net, ModelInfo.defaults().withClassNames(List.of("no", "yes")));
  }

  private static double[] vector(Row r, String column) {
    return ((Vector) r.getAs(column)).toArray();
  }

  @Test
  void oneSigmoidOutputGivesSparkMlBinaryColumns() {
    Sequential net = binaryNet();
    float[] p = forward(net);
    float[] z = logits(net, 3);
    CnnClassificationModel model = noYes(net);
    Dataset<Row> scored = model.transform(table);
    assertEquals(DataTypes.DoubleType, scored.schema().apply("prediction").dataType());
    assertEquals(SQLDataTypes.VectorType(), scored.schema().apply("probability").dataType());
    assertEquals(SQLDataTypes.VectorType(), scored.schema().apply("rawPrediction").dataType());
    List<Row> rows = scored.orderBy("id").collectAsList();
    int ones = 0;
    for (int i = 0; i < N; i++) {
      Row r = rows.get(i);
      assertNull(r.getAs("error"));
      double[] prob = vector(r, "probability");
      double[] raw = vector(r, "rawPrediction");
      assertEquals(2, prob.length);
      assertEquals(2, raw.length);
      assertEquals(p[i], prob[1], 1e-6, "row " + i);
      assertEquals(1 - p[i], prob[0], 1e-6, "row " + i);
      assertEquals(z[i], raw[1], 1e-5, "row " + i);
      assertEquals(-z[i], raw[0], 1e-5, "row " + i);
      int want = p[i] > 0.5f ? 1 : 0;
      ones += want;
      assertEquals(want, r.<Double>getAs("prediction"), "row " + i);
      assertEquals(want == 1 ? "yes" : "no", r.getAs("predicted_label"));
    }
    assertTrue(ones > 5 && ones < N - 5, "both classes predicted: " + ones + " ones");
  }

  @Test
  void binaryClassificationEvaluatorReadsTheBinaryOutputAsItIs() {
    Sequential net = binaryNet();
    float[] p = forward(net);
    Dataset<Row> scored = new CnnClassificationModel(net, ModelInfo.defaults()).transform(table);
    double auc = new BinaryClassificationEvaluator().setMetricName("areaUnderROC").evaluate(scored);
    // The same figure by counting pairs: P(score of a positive > score of a negative).
    List<Row> labels = table.orderBy("id").select("label").collectAsList();
    double pairs = 0;
    double wins = 0;
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < N; j++) {
        if (labels.get(i).getDouble(0) == 1 && labels.get(j).getDouble(0) == 0) {
          pairs++;
          wins += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
        }
      }
    }
    assertEquals(wins / pairs, auc, 1e-9);
    assertTrue(Math.abs(auc - 0.5) > 1e-3, "a figure that tells the sign of the score: " + auc);

    // MulticlassClassificationEvaluator on the same output: accuracy and log loss.
    double accuracy =
        new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
    double logLoss =
        new MulticlassClassificationEvaluator().setMetricName("logLoss").evaluate(scored);
    double correct = 0;
    double loss = 0;
    for (int i = 0; i < N; i++) {
      boolean one = labels.get(i).getDouble(0) == 1;
      correct += (p[i] > 0.5f) == one ? 1 : 0;
      loss -= Math.log(Math.max(one ? p[i] : 1 - (double) p[i], 1e-15));
    }
    assertEquals(correct / N, accuracy, 1e-9);
    assertEquals(loss / N, logLoss, 1e-5);
  }

  @Test
  void multiclassClassificationEvaluatorReadsTheSoftmaxOutputAsItIs() {
    Sequential net = net(3, "softmax", 5);
    float[] out = forward(net);
    float[] z = logits(net, 5);
    Dataset<Row> scored =
        new CnnClassificationModel(net, ModelInfo.defaults())
            .transform(table)
            .withColumnRenamed("label", "binary")
            .withColumnRenamed("class", "label");
    List<Row> rows = scored.orderBy("id").collectAsList();
    double correct = 0;
    double loss = 0;
    for (int i = 0; i < N; i++) {
      double[] raw = vector(rows.get(i), "rawPrediction");
      double[] prob = vector(rows.get(i), "probability");
      for (int c = 0; c < 3; c++) {
        assertEquals(z[i * 3 + c], raw[c], 1e-5, "row " + i);
        assertEquals(out[i * 3 + c], prob[c], 1e-6, "row " + i);
      }
      int label = rows.get(i).getAs("label");
      int best = ((Vector) rows.get(i).getAs("probability")).argmax();
      correct += best == label ? 1 : 0;
      loss -= Math.log(Math.max(out[i * 3 + label], 1e-15));
    }
    assertEquals(
        correct / N,
        new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored),
        1e-9);
    assertEquals(
        loss / N,
        new MulticlassClassificationEvaluator().setMetricName("logLoss").evaluate(scored),
        1e-5);
  }

  @Test
  void severalSigmoidOutputsGiveAPredictionAndLabelsPerOutput() {
    Sequential net = net(3, "sigmoid", 9);
    float[] p = forward(net);
    float[] z = logits(net, 9);
    List<String> names = List.of("red", "green", "blue");
    Dataset<Row> scored =
        new CnnClassificationModel(net, ModelInfo.defaults().withClassNames(names))
            .transform(table);
    assertEquals(
        DataTypes.createArrayType(DataTypes.DoubleType, false),
        scored.schema().apply("prediction").dataType());
    assertEquals(
        DataTypes.createArrayType(DataTypes.StringType, false),
        scored.schema().apply("predicted_label").dataType());
    List<Row> rows = scored.orderBy("id").collectAsList();
    int ones = 0;
    for (int i = 0; i < N; i++) {
      Row r = rows.get(i);
      double[] prob = vector(r, "probability");
      double[] raw = vector(r, "rawPrediction");
      List<Double> predicted = r.getList(r.fieldIndex("prediction"));
      List<String> expectedNames = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        assertEquals(p[i * 3 + c], prob[c], 1e-6, "row " + i);
        assertEquals(z[i * 3 + c], raw[c], 1e-5, "row " + i);
        int want = p[i * 3 + c] > 0.5f ? 1 : 0;
        ones += want;
        assertEquals(want, predicted.get(c), "row " + i + " label " + c);
        if (want == 1) {
          expectedNames.add(names.get(c));
        }
      }
      assertEquals(expectedNames, r.getList(r.fieldIndex("predicted_label")), "row " + i);
    }
    assertTrue(ones > 0 && ones < 3 * N, "some labels on, some off: " + ones);
  }

  @Test
  void sqlFunctionsOfASigmoidModelGiveTheSameColumnsBatchedAndPerRow() {
    Sequential net = binaryNet();
    float[] p = forward(net);
    float[] z = logits(net, 3);
    CnnClassificationModel model = noYes(net);
    assertEquals(
        List.of("bin", "bin_proba", "bin_raw", "bin_label", "bin_error"),
        CnnFunctions.register(spark, "bin", model));
    table.createOrReplaceTempView("sigmoid_images");
    String batched =
        "SELECT id, bin(image), bin_proba(image), bin_raw(image), bin_label(image), "
            + "bin_error(image) FROM sigmoid_images ORDER BY id";
    // A call on a lambda's variable stays a per-row call (BatchScoringRule): the other path.
    String perRow =
        "SELECT id, transform(array(image), x -> bin(x))[0], "
            + "transform(array(image), x -> bin_proba(x))[0], "
            + "transform(array(image), x -> bin_raw(x))[0], "
            + "transform(array(image), x -> bin_label(x))[0], "
            + "transform(array(image), x -> bin_error(x))[0] FROM sigmoid_images ORDER BY id";
    assertTrue(
        spark
            .sql(batched)
            .queryExecution()
            .optimizedPlan()
            .toString()
            .contains("spark-cnn scoring"));
    assertFalse(
        spark
            .sql(perRow)
            .queryExecution()
            .optimizedPlan()
            .toString()
            .contains("spark-cnn scoring"));
    for (String q : List.of(batched, perRow)) {
      List<Row> rows = spark.sql(q).collectAsList();
      for (int i = 0; i < N; i++) {
        Row r = rows.get(i);
        int want = p[i] > 0.5f ? 1 : 0;
        assertEquals(want, r.getDouble(1), q + " row " + i);
        List<Float> prob = r.getList(2);
        List<Float> raw = r.getList(3);
        assertEquals(2, prob.size());
        assertEquals(p[i], prob.get(1), 1e-6);
        assertEquals(1 - p[i], prob.get(0), 1e-6);
        assertEquals(z[i], raw.get(1), 1e-5);
        assertEquals(-z[i], raw.get(0), 1e-5);
        assertEquals(want == 1 ? "yes" : "no", r.getString(4));
        assertTrue(r.isNullAt(5));
      }
    }

    // Several sigmoid outputs: an array of 0/1 predictions and the names of the labels on.
    Sequential multi = net(3, "sigmoid", 9);
    float[] q = forward(multi);
    CnnFunctions.register(
        spark,
        "ml3",
        new CnnClassificationModel(
            multi, ModelInfo.defaults().withClassNames(List.of("a", "b", "c"))));
    Dataset<Row> sql = spark.sql("SELECT id, ml3(image), ml3_label(image) FROM sigmoid_images");
    assertEquals(
        DataTypes.createArrayType(DataTypes.DoubleType, false),
        sql.schema().fields()[1].dataType());
    List<Row> rows = sql.orderBy("id").collectAsList();
    for (int i = 0; i < N; i++) {
      List<Double> predicted = rows.get(i).getList(1);
      List<String> on = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        assertEquals(q[i * 3 + c] > 0.5f ? 1 : 0, predicted.get(c), "row " + i);
        if (predicted.get(c) == 1.0) {
          on.add(List.of("a", "b", "c").get(c));
        }
      }
      assertEquals(on, rows.get(i).getList(2));
    }
  }

  @Test
  void rawPredictionCanBeLeftOutAndClassNamesMustFitTheOutputs() {
    Sequential net = binaryNet();
    CnnClassificationModel model = new CnnClassificationModel(net, ModelInfo.defaults());
    assertEquals(
        List.of("id", "image", "label", "class", "prediction", "probability", "error"),
        List.of(model.setRawPredictionCol("").transform(table).columns()));
    CnnClassificationModel oneName =
        new CnnClassificationModel(net, ModelInfo.defaults().withClassNames(List.of("yes")));
    String message =
        assertThrows(IllegalArgumentException.class, () -> oneName.transform(table)).getMessage();
    assertTrue(
        message.contains("received: 1 class names [yes]") && message.contains("expected: 2"),
        message);
    assertArrayEquals(
        new String[] {
          "id", "image", "label", "class", "prediction", "probability", "rawPrediction", "error"
        },
        oneName.setPredictedLabelCol("").transform(table).columns(),
        "without the label column the names are not needed");
  }

  @Test
  void aPipelineFitsABinaryModelThatBinaryClassificationEvaluatorScores() {
    // Two learnable classes (TestImages draws each class's own pattern), labels 0.0 and 1.0.
    TestImages two = TestImages.generate(80, SIZE, 2, 13);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < two.n; i++) {
      rows.add(RowFactory.create((long) i, two.png(i), (double) two.labels[i]));
    }
    Dataset<Row> data =
        spark.createDataFrame(
            jsc.parallelize(rows, 2),
            new StructType()
                .add("id", DataTypes.LongType)
                .add("image", DataTypes.BinaryType)
                .add("label", DataTypes.DoubleType));
    CnnClassifier cnn =
        new CnnClassifier()
            .setModelSpec(ModelSpec.toJson(net(1, "sigmoid", 1)))
            .setLoss("binary_crossentropy")
            .setEpochs(4)
            .setBatchSize(16)
            .setLearningRate(0.01)
            .setSeed(5)
            .setClassNames(new String[] {"no", "yes"});
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {cnn}).fit(data);
    Dataset<Row> scored = fitted.transform(data);
    double auc = new BinaryClassificationEvaluator().evaluate(scored);

    // The same figure from the fitted network's single-JVM forward pass, by counting pairs.
    Sequential net = ((CnnClassificationModel) fitted.stages()[0]).network();
    float[] p = new float[two.n];
    float[] x = new float[SIZE * SIZE];
    for (int i = 0; i < two.n; i++) {
      for (int k = 0; k < x.length; k++) {
        x[k] = two.pixel(i, k) / 255f;
      }
      net.predictBatch(net.parameters(), x, 1, p, i);
    }
    double pairs = 0;
    double wins = 0;
    for (int i = 0; i < two.n; i++) {
      for (int j = 0; j < two.n; j++) {
        if (two.labels[i] == 1 && two.labels[j] == 0) {
          pairs++;
          wins += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
        }
      }
    }
    assertEquals(wins / pairs, auc, 1e-9);
    assertTrue(auc > 0.8, "the binary model learned the two classes: AUC " + auc);
    List<Row> out = scored.orderBy("id").select("prediction", "predicted_label").collectAsList();
    for (int i = 0; i < two.n; i++) {
      double want = p[i] > 0.5f ? 1 : 0;
      assertEquals(want, out.get(i).getDouble(0), "row " + i);
      assertEquals(want == 1 ? "yes" : "no", out.get(i).getString(1));
    }
  }
}
