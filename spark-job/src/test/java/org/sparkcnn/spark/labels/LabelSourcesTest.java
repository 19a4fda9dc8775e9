package org.sparkcnn.spark.labels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.spark.testing.Failures.messageOf;
import static org.sparkcnn.spark.testing.Messages.assertContains;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.datasets.BadFilePolicy;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.data.Blocks;
import org.sparkcnn.spark.data.DataFrameSource;
import org.sparkcnn.spark.data.IdxSource;
import org.sparkcnn.spark.data.ImageFolderSource;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.job.DataSources;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * Label modes at the data sources: an image folder with two class folders feeds one sigmoid output
 * with 0/1 in sorted order, and a label that does not fit the mode fails before training, naming
 * the row, the value and the mode.
 */
class LabelSourcesTest extends SparkSessionTest {
  private static final int SIZE = 4;

  @TempDir static Path tmp;

  /** A Dense-only model for SIZE x SIZE x 1 images: K outputs, this activation and loss. */
  private static ModelInput input(int outputs, String activation, String loss, String mode) {
    Sequential m =
        new Sequential()
            .add(new Flatten().inputShape(SIZE, SIZE, 1))
            .add(new Dense(outputs, activation))
            .compile(loss, new Adam(0.01));
    return ModelInput.of(m, 1.0 / 255, mode);
  }

  private static final ModelInput BINARY = input(1, "sigmoid", "binary_crossentropy", null);

  @Test
  void imageFolderWithTwoClassesFeedsOneSigmoidOutput() throws Exception {
    TestImages images = TestImages.generate(9, SIZE, 2, 1);
    // Written in the order "pullover", "coat": labels follow the sorted names, not this order.
    images.writeFolder(tmp.resolve("two"), "pullover", "coat");
    ImageFolderSource source = ImageFolderSource.open(jsc, tmp.resolve("two").toString(), BINARY);
    assertEquals(List.of("coat", "pullover"), source.classNames());
    List<ImageBlock> blocks = Blocks.cached(source, 0, 9, 2, "two").collect();
    int coats = 0;
    int seen = 0;
    for (int i = 0; i < images.n; i++) {
      coats += images.labels[i] == 1 ? 1 : 0;
    }
    for (ImageBlock b : blocks) {
      assertEquals(1, b.labelWidth);
      for (int i = 0; i < b.size(); i++, seen++) {
        // Files are listed class by class: the coat folder (label 0) comes first.
        assertEquals(seen < coats ? 0 : 1, b.labels[i], "row " + seen);
      }
    }
    assertEquals(9, seen);

    images.writeFolder(tmp.resolve("three"), "a", "b");
    TestImages.generate(3, SIZE, 1, 2).writeFolder(tmp.resolve("three"), "c");
    String three =
        messageOf(() -> ImageFolderSource.open(jsc, tmp.resolve("three").toString(), BINARY));
    assertContains(
        three, "received: 3 class folders [a, b, c]", "expected: 2 classes", "label_mode binary");
  }

  @Test
  void idxLabelsAboveOneDoNotFitBinary() throws Exception {
    TestImages images = TestImages.generate(12, SIZE, 4, 3);
    images.writeIdx(tmp.resolve("idx/train"), false);
    int first = 0;
    while (images.labels[first] < 2) {
      first++;
    }
    int bad = first;
    String m =
        messageOf(() -> IdxSource.open(jsc, tmp.resolve("idx/train").toString(), BINARY, null));
    assertTrue(
        m.contains("label " + bad)
            && m.contains("received: " + images.labels[bad])
            && m.contains("label_mode binary"),
        m);
    ModelInput multi = input(3, "sigmoid", "binary_crossentropy", null);
    assertEquals(LabelMode.MULTI_LABEL, multi.targets().mode());
    String idx =
        messageOf(
            () ->
                DataSources.open(
                    spark,
                    tmp.resolve("idx/train").toString(),
                    "idx",
                    "image",
                    "label",
                    multi,
                    null,
                    false,
                    BadFilePolicy.FAIL));
    assertContains(idx, "label_mode multi_label cannot read IDX files");
  }

  /** Blocks of a one-row-per-label DataFrame with a label column of {@code type}. */
  private static String decodeError(DataType type, ModelInput input, Object... labels) {
    TestImages images = TestImages.generate(labels.length, SIZE, 1, 4);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      rows.add(RowFactory.create(images.png(i), labels[i]));
    }
    Dataset<Row> df =
        spark.createDataFrame(
            rows, new StructType().add("image", DataTypes.BinaryType).add("label", type));
    return messageOf(
        () ->
            Blocks.cached(
                DataFrameSource.open(df, "image", "label", input, "t"),
                0,
                labels.length,
                1,
                "bad"));
  }

  @Test
  void dataFrameLabelsThatDoNotFitTheModeNameRowValueAndMode() {
    String binary = decodeError(DataTypes.DoubleType, BINARY, 0.0, 1.0, 2.0);
    assertContains(binary, "row 2", "received: 2.0", "label_mode binary");
    ModelInput categorical = input(3, "softmax", "categorical_crossentropy", null);
    String twoHot =
        decodeError(
            DataTypes.createArrayType(DataTypes.DoubleType),
            categorical,
            new Double[] {0.0, 1.0, 0.0},
            new Double[] {1.0, 1.0, 0.0});
    assertContains(twoHot, "row 1", "[1.0, 1.0, 0.0]", "not one-hot", "label_mode categorical");
    String shortArray =
        decodeError(
            DataTypes.createArrayType(DataTypes.DoubleType),
            categorical,
            (Object) new Double[] {1.0, 0.0});
    assertContains(shortArray, "row 0", "2 values");
    ModelInput multi = input(3, "sigmoid", "binary_crossentropy", null);
    String two =
        decodeError(
            DataTypes.createArrayType(DataTypes.IntegerType),
            multi,
            new Integer[] {0, 1, 1},
            new Integer[] {1, 0, 0},
            new Integer[] {1, 2, 0});
    assertContains(two, "row 2", "2 at index 1", "label_mode multi_label");
    String scalarForMulti = decodeError(DataTypes.IntegerType, multi, 1);
    assertContains(scalarForMulti, "unsupported type for label_mode multi_label", "received: int");
    ModelInput ints = input(3, "softmax", "sparse_categorical_crossentropy", null);
    String arrayForInt =
        decodeError(
            DataTypes.createArrayType(DataTypes.IntegerType), ints, (Object) new Integer[] {1});
    assertContains(arrayForInt, "unsupported type for label_mode int", "array<int>");
    String fraction = decodeError(DataTypes.DoubleType, ints, 1.5);
    assertContains(fraction, "row 0", "received: 1.5");
  }

  @Test
  void dataFrameLabelsOfEveryModeBecomeTheirStoredForm() {
    ModelInput categorical = input(3, "softmax", "categorical_crossentropy", null);
    TestImages images = TestImages.generate(2, SIZE, 1, 4);
    Dataset<Row> df =
        spark.createDataFrame(
            List.of(
                RowFactory.create(images.png(0), new Boolean[] {false, false, true}),
                RowFactory.create(images.png(1), new Boolean[] {true, false, false})),
            new StructType()
                .add("image", DataTypes.BinaryType)
                .add("label", DataTypes.createArrayType(DataTypes.BooleanType)));
    ImageBlock b =
        Blocks.cached(DataFrameSource.open(df, "image", "label", categorical, "t"), 0, 2, 1, "ok")
            .first();
    assertArrayEquals(new int[] {2, 0}, b.labels, "one-hot arrays are kept as class indices");
  }

  @Test
  void modesThatDoNotFitTheModelAreRefusedWithTheModeTheyNeed() {
    String twoOutputs =
        messageOf(() -> input(2, "softmax", "sparse_categorical_crossentropy", "binary"));
    assertContains(
        twoOutputs,
        "binary labels need exactly one output",
        "received: label_mode binary",
        "expected: label_mode int");
    String intWithBce = messageOf(() -> input(1, "sigmoid", "binary_crossentropy", "int"));
    assertContains(intWithBce, "int labels need sparse_categorical_crossentropy");
    String unknown = messageOf(() -> input(1, "sigmoid", "binary_crossentropy", "onehot"));
    assertContains(unknown, "unknown label_mode", "multi_label");
    assertEquals(
        LabelMode.CATEGORICAL,
        input(3, "softmax", "binary_crossentropy", "categorical").targets().mode(),
        "one-hot targets may train K sigmoids with binary_crossentropy, as in Keras");
  }

  @Test
  void multiLabelTargetsUnpackEveryBitBeyondOneInt() {
    Targets t = new Targets(LabelMode.MULTI_LABEL, 40);
    assertEquals(2, t.storedWidth());
    assertEquals(40, t.width());
    int[] stored = new int[4];
    boolean[][] on = new boolean[2][40];
    for (int row = 0; row < 2; row++) {
      for (int k = 0; k < 40; k++) {
        on[row][k] = (k * 7 + row * 3) % 5 < 2;
        if (on[row][k]) {
          stored[row * 2 + k / 32] |= 1 << (k % 32);
        }
      }
    }
    float[] y = new float[41];
    for (int row = 0; row < 2; row++) {
      t.write(stored, row, y, 1);
      for (int k = 0; k < 40; k++) {
        assertEquals(on[row][k] ? 1f : 0f, y[1 + k], "row " + row + " label " + k);
      }
    }
    Targets oneHot = new Targets(LabelMode.CATEGORICAL, 4);
    float[] h = {9, 9, 9, 9, 9};
    oneHot.write(new int[] {7, 2}, 1, h, 1);
    assertArrayEquals(new float[] {9, 0, 0, 1, 0}, h);
  }
}
