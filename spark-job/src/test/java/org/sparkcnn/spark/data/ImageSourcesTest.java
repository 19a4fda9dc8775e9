package org.sparkcnn.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.spark.testing.Failures.messageOf;
import static org.sparkcnn.spark.testing.Messages.assertContains;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * Every input kind becomes the same blocks: pixels, labels and global row ids in source order, cut
 * into contiguous partitions; and every bad input fails before training with an error that names
 * the row or file and what was expected.
 */
class ImageSourcesTest extends SparkSessionTest {
  private static final int SIZE = 6;
  private static final ModelInput INPUT = new ModelInput(SIZE, SIZE, 1, 4, 1.0 / 255);
  private static final TestImages IMAGES = TestImages.generate(23, SIZE, 4, 3);

  @TempDir static Path tmp;

  /** A DataFrame of IMAGES in 2 partitions, its image column built by {@code image}. */
  private static Dataset<Row> frame(DataType imageType, Function<Integer, Object> image) {
    return frame(imageType, image, 2);
  }

  private static Dataset<Row> frame(
      DataType imageType, Function<Integer, Object> image, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < IMAGES.n; i++) {
      rows.add(RowFactory.create(image.apply(i), IMAGES.labels[i], "row" + i));
    }
    StructType schema =
        new StructType()
            .add("image", imageType)
            .add("label", DataTypes.IntegerType)
            .add("note", DataTypes.StringType);
    return spark.createDataFrame(jsc.parallelize(rows, partitions), schema);
  }

  private static int[] ints(int i) {
    int[] v = new int[SIZE * SIZE];
    for (int k = 0; k < v.length; k++) {
      v[k] = IMAGES.pixel(i, k);
    }
    return v;
  }

  private static double[] doubles(int i) {
    double[] v = new double[SIZE * SIZE];
    for (int k = 0; k < v.length; k++) {
      v[k] = IMAGES.pixel(i, k) / 255.0;
    }
    return v;
  }

  private static float[] floats(int i) {
    float[] v = new float[SIZE * SIZE];
    for (int k = 0; k < v.length; k++) {
      v[k] = IMAGES.pixel(i, k) / 255f;
    }
    return v;
  }

  private static Row imageStruct(int i) {
    byte[] data = Arrays.copyOfRange(IMAGES.pixels, i * SIZE * SIZE, (i + 1) * SIZE * SIZE);
    return RowFactory.create("mem://" + i, SIZE, SIZE, 1, 0, data);
  }

  /** Collects blocks [from, to) and checks them against IMAGES row by row. */
  private static List<ImageBlock> check(ImageSource source, long from, long to, int partitions) {
    assertEquals(IMAGES.n, source.count());
    JavaRDD<ImageBlock> rdd = Blocks.cached(source, from, to, partitions, "test");
    List<ImageBlock> blocks = rdd.collect();
    assertEquals(partitions, blocks.size(), "one block per partition");
    long[] bounds = RowRanges.bounds(from, to, partitions);
    for (int p = 0; p < partitions; p++) {
      ImageBlock b = blocks.get(p);
      assertEquals(bounds[p + 1] - bounds[p], b.size(), "partition " + p);
      for (int i = 0; i < b.size(); i++) {
        int id = (int) (bounds[p] + i);
        assertEquals(id, b.ids[i]);
        assertEquals(IMAGES.labels[id], b.labels[i], "label of row " + id);
        assertArrayEquals(
            Arrays.copyOfRange(IMAGES.pixels, id * SIZE * SIZE, (id + 1) * SIZE * SIZE),
            Arrays.copyOfRange(b.pixels, i * SIZE * SIZE, (i + 1) * SIZE * SIZE),
            "pixels of row " + id);
      }
    }
    rdd.unpersist(false);
    return blocks;
  }

  @Test
  void binaryPngColumn() {
    Dataset<Row> df = frame(DataTypes.BinaryType, IMAGES::png);
    check(DataFrameSource.open(df, "image", "label", INPUT, "pngs"), 0, IMAGES.n, 3);
  }

  @Test
  void intArrayColumn() {
    Dataset<Row> df =
        frame(DataTypes.createArrayType(DataTypes.IntegerType), ImageSourcesTest::ints);
    check(DataFrameSource.open(df, "image", "label", INPUT, "ints"), 0, IMAGES.n, 2);
  }

  @Test
  void doubleAndFloatArrayColumnsOfPixelsTimesRescale() {
    check(
        DataFrameSource.open(
            frame(DataTypes.createArrayType(DataTypes.DoubleType), ImageSourcesTest::doubles),
            "image",
            "label",
            INPUT,
            "doubles"),
        5,
        20,
        3);
    check(
        DataFrameSource.open(
            frame(DataTypes.createArrayType(DataTypes.FloatType), ImageSourcesTest::floats),
            "image",
            "label",
            INPUT,
            "floats"),
        0,
        IMAGES.n,
        1);
  }

  @Test
  void sparkImageStructColumn() {
    Dataset<Row> df = frame(ImageSchema.columnSchema(), ImageSourcesTest::imageStruct);
    check(DataFrameSource.open(df, "image", "label", INPUT, "structs"), 0, IMAGES.n, 2);
  }

  @Test
  void moreCoresThanRowsGivesEmptyBlocksAndEmptySourcePartitionsAreFine() {
    // 23 rows in 40 source partitions: most are empty.
    Dataset<Row> df =
        frame(DataTypes.createArrayType(DataTypes.IntegerType), ImageSourcesTest::ints, 40);
    List<ImageBlock> blocks =
        check(DataFrameSource.open(df, "image", "label", INPUT, "ints"), 0, 2, 3);
    assertEquals(0, blocks.get(0).size(), "3 partitions for 2 rows: the first is empty");
    assertEquals(SIZE, blocks.get(0).height);
  }

  @Test
  void idxRawAndGzip() throws Exception {
    IMAGES.writeIdx(tmp.resolve("raw/train"), false);
    IMAGES.writeIdx(tmp.resolve("gz/t10k"), true);
    check(IdxSource.open(jsc, tmp.resolve("raw/train").toString(), INPUT, null), 0, IMAGES.n, 3);
    check(IdxSource.open(jsc, tmp.resolve("gz/t10k").toString(), INPUT, null), 7, 19, 2);
    check(
        IdxSource.open(jsc, tmp.resolve("gz/t10k-images-idx3-ubyte.gz").toString(), INPUT, null),
        0,
        3,
        4);
  }

  @Test
  void imageFolder() throws Exception {
    IMAGES.writeFolder(tmp.resolve("folder"), "a", "b", "c", "d");
    ImageFolderSource source = ImageFolderSource.open(jsc, tmp.resolve("folder").toString(), INPUT);
    assertEquals(List.of("a", "b", "c", "d"), source.classNames());
    // Folder order is by class, then file name: compare with that order.
    List<ImageBlock> blocks = Blocks.cached(source, 0, IMAGES.n, 2, "folder").collect();
    int at = 0;
    for (int label = 0; label < 4; label++) {
      for (int i = 0; i < IMAGES.n; i++) {
        if (IMAGES.labels[i] != label) {
          continue;
        }
        ImageBlock b = blocks.get(at < blocks.get(0).size() ? 0 : 1);
        int j = at < blocks.get(0).size() ? at : at - blocks.get(0).size();
        assertEquals(label, b.labels[j]);
        assertEquals(at, b.ids[j]);
        assertEquals(IMAGES.pixel(i, 7), b.pixels[j * SIZE * SIZE + 7] & 0xFF);
        at++;
      }
    }
    assertEquals(IMAGES.n, at);
  }

  @Test
  void holdOutSplitIsKerasLastFraction() {
    assertEquals(8, Blocks.splitAt(10, 0.2, "x"));
    assertEquals(54000, Blocks.splitAt(60000, 0.1, "x"));
    assertEquals(3, Blocks.splitAt(4, 0.25, "x"));
    assertTrue(messageOf(() -> Blocks.splitAt(1, 0.5, "x")).contains("leaves a side empty"));
  }

  // ---- bad input ----

  /** IMAGES as arrays of doubles, with {@code value} at {@code index} of row {@code row}. */
  private static Dataset<Row> doublesWith(int row, int index, double value) {
    return frame(
        DataTypes.createArrayType(DataTypes.DoubleType),
        i -> {
          double[] v = doubles(i);
          if (i == row) {
            v[index] = value;
          }
          return v;
        });
  }

  /** The error of IdxSource for IMAGES written to tmp/PREFIX and read for {@code input}. */
  private static String idxError(String prefix, boolean gzip, ModelInput input) throws IOException {
    IMAGES.writeIdx(tmp.resolve(prefix), gzip);
    return messageOf(() -> IdxSource.open(jsc, tmp.resolve(prefix).toString(), input, null));
  }

  private static String decodeError(Dataset<Row> df, ModelInput input) {
    return messageOf(
        () ->
            Blocks.cached(
                DataFrameSource.open(df, "image", "label", input, "t"), 0, IMAGES.n, 2, "bad"));
  }

  @Test
  void missingColumnsAndWrongTypesFailOnTheSchema() {
    Dataset<Row> df =
        frame(DataTypes.createArrayType(DataTypes.IntegerType), ImageSourcesTest::ints);
    String noImage = messageOf(() -> DataFrameSource.open(df, "pixels", "label", INPUT, "t"));
    assertContains(
        noImage, "The image column is missing", "no column 'pixels'", "image array<int>");
    String noLabel = messageOf(() -> DataFrameSource.open(df, "image", "y", INPUT, "t"));
    assertContains(noLabel, "The label column is missing");
    String stringImage = messageOf(() -> DataFrameSource.open(df, "note", "label", INPUT, "t"));
    assertContains(stringImage, "unsupported type", "received: string");
    String stringLabel = messageOf(() -> DataFrameSource.open(df, "image", "note", INPUT, "t"));
    assertContains(stringLabel, "Label column has an unsupported type");
  }

  @Test
  void wrongImageSizeForTheModel() throws Exception {
    ModelInput bigger = new ModelInput(8, 8, 1, 4, 1.0 / 255);
    String png = decodeError(frame(DataTypes.BinaryType, IMAGES::png), bigger);
    assertContains(png, "Image size differs from the model input", "received: 6 x 6", "row ");
    String array =
        decodeError(
            frame(DataTypes.createArrayType(DataTypes.IntegerType), ImageSourcesTest::ints),
            bigger);
    assertContains(array, "wrong length", "received: 36 values", "expected: 64 values");
    String struct =
        decodeError(frame(ImageSchema.columnSchema(), ImageSourcesTest::imageStruct), bigger);
    assertContains(struct, "Image size differs", "origin mem://");
    String idx = idxError("size/train", false, bigger);
    assertContains(idx, "received: 6 x 6 x 1", "expected: 8 x 8 x 1");
  }

  /**
   * A null height or nChannels in an image struct is named, read from a Row (a DataFrame source, a
   * SQL function) and from Spark's internal row (batch scoring): two paths to one check.
   */
  @Test
  void aNullImageStructFieldIsNamedInRowsAndInternalRows() {
    // Spark's own image schema declares the fields non-null; a struct built by hand may not.
    StructType nullable =
        new StructType(
            Arrays.stream(ImageSchema.columnSchema().fields())
                .map(f -> new StructField(f.name(), f.dataType(), true, f.metadata()))
                .toArray(StructField[]::new));
    StructType schema = new StructType().add("image", nullable).add("label", DataTypes.IntegerType);
    ImageColumns columns = ImageColumns.of(schema, "image", "label", INPUT);
    byte[] data = Arrays.copyOf(IMAGES.pixels, SIZE * SIZE);
    byte[] dest = new byte[SIZE * SIZE];
    String[] names = {"origin", "height", "width", "nChannels"};
    for (int field : new int[] {1, 3}) {
      Object[] struct = {"mem://0", SIZE, SIZE, 1, 0, data};
      struct[field] = null;
      Row row = RowFactory.create(RowFactory.create(struct), 0);
      Object[] internalStruct = struct.clone();
      internalStruct[0] = UTF8String.fromString("mem://0");
      InternalRow internal =
          new GenericInternalRow(new Object[] {new GenericInternalRow(internalStruct), 0});
      String expected = names[field] + " = null";
      assertContains(
          messageOf(() -> columns.decodeImage(row, 0L, dest, 0)),
          "Image struct field is null",
          expected,
          "row 0");
      assertContains(
          messageOf(() -> columns.decodeImage(internal, "row 0", dest, 0)),
          "Image struct field is null",
          expected,
          "row 0");
    }
  }

  @Test
  void labelsOutsideTheModelsClasses() throws Exception {
    ModelInput three = new ModelInput(SIZE, SIZE, 1, 3, 1.0 / 255);
    String df =
        decodeError(
            frame(DataTypes.createArrayType(DataTypes.IntegerType), ImageSourcesTest::ints), three);
    assertContains(df, "Label out of range", "received: 3", "0..2");
    String idx = idxError("labels/train", true, three);
    assertContains(idx, "Label out of range", "label ");
  }

  @Test
  void nullsNanAndNonPixelFloats() {
    String nullImage =
        decodeError(frame(DataTypes.BinaryType, i -> i == 4 ? null : IMAGES.png(i)), INPUT);
    assertContains(nullImage, "Image is null", "row 4");
    String nan = decodeError(doublesWith(9, 3, Double.NaN), INPUT);
    assertContains(nan, "row 9", "NaN at index 3");
    String half = decodeError(doublesWith(7, 0, 0.5), INPUT);
    assertContains(half, "not a pixel times the model's rescale", "row 7");
    List<Row> rows = List.of(RowFactory.create(IMAGES.png(0), null));
    // A null label in a double column: Spark ML's label type.
    Dataset<Row> nullLabel =
        spark.createDataFrame(
            rows,
            new StructType().add("image", DataTypes.BinaryType).add("label", DataTypes.DoubleType));
    String label =
        messageOf(
            () ->
                Blocks.cached(
                    DataFrameSource.open(nullLabel, "image", "label", INPUT, "t"), 0, 1, 1, "bad"));
    assertContains(label, "Label is null", "row 0");
  }

  @Test
  void emptyDataFailsBeforeTraining() {
    Dataset<Row> df = frame(DataTypes.BinaryType, IMAGES::png).limit(0);
    String empty =
        messageOf(
            () ->
                Blocks.requireRows(
                    DataFrameSource.open(df, "image", "label", INPUT, "table t"), "training"));
    assertContains(empty, "The training data is empty", "table t");
  }

  @Test
  void imageFolderWithTheWrongNumberOfClasses() throws Exception {
    IMAGES.writeFolder(tmp.resolve("classes"), "a", "b", "c", "d");
    ModelInput three = new ModelInput(SIZE, SIZE, 1, 3, 1.0 / 255);
    String m =
        messageOf(() -> ImageFolderSource.open(jsc, tmp.resolve("classes").toString(), three));
    assertContains(m, "received: 4 class folders [a, b, c, d]", "expected: 3 classes");
  }
}
