package org.sparkcnn.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * CnnClassifier takes the label mode from its loss and output width, or from labelMode: Spark ML
 * double labels 0/1 for one sigmoid output, multi-hot arrays for K sigmoids; a labelMode that does
 * not fit the model fails before any job.
 */
class CnnClassifierLabelModesTest extends SparkSessionTest {
  private static final int SIZE = 4;
  private static Dataset<Row> data;

  @BeforeAll
  static void start() {
    TestImages images = TestImages.generate(24, SIZE, 2, 5);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < images.n; i++) {
      int c = images.labels[i];
      rows.add(RowFactory.create(images.png(i), (double) c, new Integer[] {c, 1 - c, i % 2}));
    }
    data =
        spark.createDataFrame(
            rows,
            new StructType()
                .add("image", DataTypes.BinaryType)
                .add("label", DataTypes.DoubleType)
                .add("tags", DataTypes.createArrayType(DataTypes.IntegerType)));
  }

  private static String sigmoids(int k) {
    return ModelSpec.toJson(
        new Sequential().add(new Flatten().inputShape(SIZE, SIZE, 1)).add(new Dense(k, "sigmoid")));
  }

  private static CnnClassifier classifier(int k) {
    return new CnnClassifier()
        .setModelSpec(sigmoids(k))
        .setLoss("binary_crossentropy")
        .setEpochs(1)
        .setBatchSize(8)
        .setSeed(3);
  }

  @Test
  void oneSigmoidTrainsOnSparkMlDoubleLabels() {
    CnnClassificationModel m = classifier(1).fit(data);
    assertEquals("binary", m.info().training().get("label_mode"));
  }

  @Test
  void kSigmoidsTrainOnMultiHotArrays() {
    CnnClassificationModel m = classifier(3).setLabelCol("tags").fit(data);
    assertEquals("multi_label", m.info().training().get("label_mode"));
  }

  @Test
  void aLabelModeThatDoesNotFitTheModelFails() {
    Throwable t = assertThrows(Throwable.class, () -> classifier(1).setLabelMode("int").fit(data));
    assertTrue(
        t.getMessage().contains("int labels need sparse_categorical_crossentropy"), t.getMessage());
    Throwable scalar =
        assertThrows(Throwable.class, () -> classifier(3).transformSchema(data.schema()));
    assertTrue(
        scalar.getMessage().contains("unsupported type for label_mode multi_label"),
        scalar.getMessage());
  }
}
