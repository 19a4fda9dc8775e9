package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.spark.testing.GradientAsserts.assertClose;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.spark.data.Blocks;
import org.sparkcnn.spark.data.DataFrameSource;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.labels.LabelMode;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.SparkSessionTest.TaskSlots;
import org.sparkcnn.spark.testing.TestImages;

/**
 * Every label mode through the Spark trainer: a DataFrame's labels (integer, Spark ML double,
 * one-hot array, multi-hot array) become blocks, and the gradient summed over partitions equals the
 * single-JVM gradient of the same global batch whose targets the test builds itself from the raw
 * column values, as Keras would (one-hot vectors, 0/1 floats).
 */
@TaskSlots(3)
class LabelModesTest extends SparkSessionTest {
  private static final int SIZE = 6;
  private static final int N = 19;
  private static final int BATCH = 8;
  private static final int MULTI = 3;
  private static final TestImages IMAGES = TestImages.generate(N, SIZE, 4, 11);
  private static Dataset<Row> frame;

  @BeforeAll
  static void start() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(
          RowFactory.create(
              IMAGES.png(i),
              IMAGES.labels[i],
              (double) binary(i),
              boxed(oneHot(i)),
              boxedInts(multiHot(i))));
    }
    StructType schema =
        new StructType()
            .add("image", DataTypes.BinaryType)
            .add("cls", DataTypes.IntegerType)
            .add("bin", DataTypes.DoubleType)
            .add("onehot", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("multi", DataTypes.createArrayType(DataTypes.IntegerType));
    frame = spark.createDataFrame(jsc.parallelize(rows, 2), schema).cache();
  }

  // ---- the raw labels, and the targets Keras would train on ----

  private static int binary(int i) {
    return IMAGES.labels[i] == 1 ? 1 : 0;
  }

  private static double[] oneHot(int i) {
    double[] v = new double[4];
    v[IMAGES.labels[i]] = 1;
    return v;
  }

  /** Label k of row i is on for a fixed pattern; row 0 has none, row 1 all three. */
  private static int[] multiHot(int i) {
    int[] v = new int[MULTI];
    for (int k = 0; k < MULTI; k++) {
      v[k] = i == 0 ? 0 : i == 1 ? 1 : ((i * (k + 2)) % 3 == 0 ? 1 : 0);
    }
    return v;
  }

  private static Double[] boxed(double[] v) {
    Double[] b = new Double[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = v[i];
    }
    return b;
  }

  private static Integer[] boxedInts(int[] v) {
    Integer[] b = new Integer[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = v[i];
    }
    return b;
  }

  /** The cases: mode, label column, model. */
  enum Case {
    INT_INDEX(LabelMode.INT, "cls", 4, "softmax", "sparse_categorical_crossentropy"),
    BINARY_DOUBLE(LabelMode.BINARY, "bin", 1, "sigmoid", "binary_crossentropy"),
    CATEGORICAL_FROM_INDEX(LabelMode.CATEGORICAL, "cls", 4, "softmax", "categorical_crossentropy"),
    CATEGORICAL_ONE_HOT(LabelMode.CATEGORICAL, "onehot", 4, "softmax", "categorical_crossentropy"),
    MULTI_LABEL(LabelMode.MULTI_LABEL, "multi", MULTI, "sigmoid", "binary_crossentropy");

    final LabelMode mode;
    final String column;
    final int outputs;
    final String activation;
    final String loss;

    Case(LabelMode mode, String column, int outputs, String activation, String loss) {
      this.mode = mode;
      this.column = column;
      this.outputs = outputs;
      this.activation = activation;
      this.loss = loss;
    }

    /** Row i's target as Keras receives it: width 1 for int and binary, else K. */
    float[] target(int i) {
      return switch (mode) {
        case INT -> new float[] {IMAGES.labels[i]};
        case BINARY -> new float[] {binary(i)};
        case CATEGORICAL -> {
          float[] t = new float[outputs];
          double[] h = oneHot(i);
          for (int k = 0; k < outputs; k++) {
            t[k] = (float) h[k];
          }
          yield t;
        }
        case MULTI_LABEL -> {
          float[] t = new float[outputs];
          int[] h = multiHot(i);
          for (int k = 0; k < outputs; k++) {
            t[k] = h[k];
          }
          yield t;
        }
      };
    }

    Sequential model(long seed) {
      return new Sequential()
          .add(new Conv2D(2, 3).activation("relu").inputShape(SIZE, SIZE, 1))
          .add(new Flatten())
          .add(new Dense(outputs, activation))
          .seed(seed)
          .compile(loss, new Adam(0.01), "accuracy");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Case.class)
  void distributedGradientEqualsSingleJvmGradientWithKerasTargets(Case c) {
    Sequential m = c.model(3);
    ModelInput input = ModelInput.of(m, 1.0 / 255);
    assertEquals(c.mode, input.targets().mode(), "the mode derived from the loss and outputs");
    JavaRDD<ImageBlock> data =
        Blocks.cached(
            DataFrameSource.open(frame, "image", c.column, input, "frame"), 0, N, 3, "train");
    List<ImageBlock> blocks = data.collect();
    TrainingPlan plan =
        new TrainingPlan(
            ModelSpec.toJson(m), c.loss, true, 1.0 / 255, input.targets(), N, BATCH, true, 7);
    float[] params = m.parameters().clone();
    List<float[]> sums;
    List<BatchStats> stats = new ArrayList<>();
    try (EpochRunner runner = new JobPerStepRunner(jsc, data, plan)) {
      sums = RunnerHarness.gradientSums(runner, params, stats);
    }
    assertEquals(plan.stepsPerEpoch(), sums.size());
    for (int step = 0; step < plan.stepsPerEpoch(); step++) {
      BatchStats[] single = new BatchStats[1];
      float[] expected = singleJvmGradient(c, m, params, blocks, plan, step, single);
      assertClose(expected, sums.get(step), c + " step " + step);
      assertEquals(single[0].count(), stats.get(step).count());
      assertEquals(single[0].lossSum(), stats.get(step).lossSum(), 1e-4);
      assertEquals(single[0].correct(), stats.get(step).correct(), 1e-9);
    }

    // Evaluation (validation and test) reads the same targets.
    BatchStats evaluated =
        new DistributedTrainer(
                jsc, m, TrainerOptions.defaults().with(BATCH_SIZE, BATCH), input.targets())
            .evaluate(data);
    float[] x = new float[N * SIZE * SIZE];
    float[] y = new float[N * input.targets().width()];
    for (int i = 0; i < N; i++) {
      for (int k = 0; k < SIZE * SIZE; k++) {
        x[i * SIZE * SIZE + k] = IMAGES.pixel(i, k) * (float) (1.0 / 255);
      }
      float[] t = c.target(i);
      System.arraycopy(t, 0, y, i * t.length, t.length);
    }
    BatchStats whole = m.computeLoss(m.parameters(), x, y, N);
    assertEquals(whole.lossSum(), evaluated.lossSum(), 1e-4);
    assertEquals(whole.correct(), evaluated.correct(), 1e-9);
    data.unpersist(false);
  }

  /**
   * The single-JVM gradient sum of step s: the pixels and row ids of every partition's share, in
   * partition order, with targets from {@link Case#target}, not from the blocks' labels.
   */
  private static float[] singleJvmGradient(
      Case c,
      Sequential m,
      float[] params,
      List<ImageBlock> blocks,
      TrainingPlan plan,
      int step,
      BatchStats[] stats) {
    int size = SIZE * SIZE;
    int width = plan.targets().width();
    List<Float> xs = new ArrayList<>();
    List<Float> ys = new ArrayList<>();
    List<Long> allIds = new ArrayList<>();
    for (int p = 0; p < blocks.size(); p++) {
      ImageBlock b = blocks.get(p);
      int[] order = BatchPlan.epochOrder(b.size(), plan.seed(), 0, p, plan.shuffle());
      int from = BatchPlan.shareStart(b.size(), plan.stepsPerEpoch(), step);
      int to = BatchPlan.shareStart(b.size(), plan.stepsPerEpoch(), step + 1);
      for (int i = from; i < to; i++) {
        int row = order[i];
        long id = b.ids[row];
        for (int k = 0; k < size; k++) {
          xs.add((b.pixels[row * size + k] & 0xFF) * (float) plan.rescale());
        }
        for (float t : c.target((int) id)) {
          ys.add(t);
        }
        allIds.add(id);
      }
    }
    int n = allIds.size();
    float[] x = new float[n * size];
    float[] y = new float[n * width];
    long[] ids = new long[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = xs.get(i);
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = ys.get(i);
    }
    for (int i = 0; i < n; i++) {
      ids[i] = allIds.get(i);
    }
    float[] grad = new float[params.length];
    stats[0] =
        m.computeGradient(
            params,
            x,
            y,
            n,
            new StepContext(true, BatchPlan.stepSeed(plan.seed(), step), ids),
            grad);
    return grad;
  }
}
