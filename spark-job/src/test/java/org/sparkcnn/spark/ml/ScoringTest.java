package org.sparkcnn.spark.ml;

import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.io.ModelStore;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.ScoredColumns;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * Batch scoring: transform on every image column type against a single-JVM forward pass, row order
 * and columns kept, bad rows, strict mode, and the SQL functions.
 */
class ScoringTest extends SparkSessionTest {
  private static final int SIZE = 6;
  private static final int N = 40;
  private static final List<String> NAMES = List.of("tl", "tr", "bl", "br");
  private static TestImages images;
  private static CnnClassificationModel model;

  /** Single-JVM outputs (N, 4) of the same weights, image by image. */
  private static float[] expected;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    images = TestImages.generate(N, SIZE, 4, 21);
    Sequential net = LocalSpark.model(SIZE, 1, 4, 5);
    model = new CnnClassificationModel(net, ModelInfo.defaults().withClassNames(NAMES));
    expected = new float[N * 4];
    float[] x = new float[SIZE * SIZE];
    for (int i = 0; i < N; i++) {
      for (int k = 0; k < x.length; k++) {
        x[k] = images.pixel(i, k) / 255f;
      }
      net.predictBatch(net.parameters(), x, 1, expected, i * 4);
    }
  }

  /** id, tag, image (of the given type, built per row), in 3 partitions. */
  private static Dataset<Row> table(DataType imageType, IntFunction<Object> image) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Object v = image.apply(i);
      // Spark's Row encoder takes arrays, not java.util.List.
      rows.add(RowFactory.create((long) i, "t" + i, v instanceof List<?> l ? l.toArray() : v));
    }
    return spark.createDataFrame(
        jsc.parallelize(rows, 3),
        new StructType()
            .add("id", DataTypes.LongType)
            .add("tag", DataTypes.StringType)
            .add("image", imageType));
  }

  private static List<Object> pixels(int i, IntFunction<Object> value) {
    List<Object> v = new ArrayList<>();
    for (int k = 0; k < SIZE * SIZE; k++) {
      v.add(value.apply(images.pixel(i, k)));
    }
    return v;
  }

  private static Row struct(int i, int height) {
    byte[] data = Arrays.copyOfRange(images.pixels, i * SIZE * SIZE, (i + 1) * SIZE * SIZE);
    return RowFactory.create("mem://" + i, height, SIZE, 1, 0, data);
  }

  private static Dataset<Row> png() {
    return table(DataTypes.BinaryType, images::png);
  }

  private static Dataset<Row> intArrays() {
    return table(DataTypes.createArrayType(DataTypes.IntegerType), i -> pixels(i, p -> p));
  }

  private static Dataset<Row> floatArrays() {
    return table(DataTypes.createArrayType(DataTypes.FloatType), i -> pixels(i, p -> p / 255f));
  }

  private static Dataset<Row> doubleArrays() {
    return table(DataTypes.createArrayType(DataTypes.DoubleType), i -> pixels(i, p -> p / 255.0));
  }

  private static Dataset<Row> structs() {
    return table(ImageSchema.columnSchema(), i -> struct(i, SIZE));
  }

  /** Asserts scored rows (in input order) carry the single-JVM outputs, and no error. */
  private static void assertScores(List<Row> rows) {
    assertEquals(N, rows.size());
    for (int i = 0; i < N; i++) {
      Row r = rows.get(i);
      assertEquals((long) i, r.getLong(0), "input order kept");
      float[] want = Arrays.copyOfRange(expected, i * 4, (i + 1) * 4);
      double[] got = ((Vector) r.getAs("probability")).toArray();
      for (int c = 0; c < 4; c++) {
        assertEquals(want[c], got[c], 1e-6, "row " + i + " class " + c);
      }
      // rawPrediction: the logits, whose softmax is the probability vector.
      double[] raw = ((Vector) r.getAs("rawPrediction")).toArray();
      double max = Arrays.stream(raw).max().getAsDouble();
      double sum = Arrays.stream(raw).map(z -> Math.exp(z - max)).sum();
      for (int c = 0; c < 4; c++) {
        assertEquals(want[c], Math.exp(raw[c] - max) / sum, 1e-6, "row " + i + " class " + c);
      }
      int best = ((Vector) r.getAs("probability")).argmax();
      assertEquals((double) best, r.<Double>getAs("prediction"));
      assertEquals(NAMES.get(best), r.getAs("predicted_label"));
      assertNull(r.getAs("error"));
    }
  }

  @Test
  void transformScoresEveryImageColumnTypeLikeASingleJvmForwardPass() {
    for (Dataset<Row> df : List.of(png(), intArrays(), floatArrays(), doubleArrays(), structs())) {
      Dataset<Row> scored = model.transform(df);
      ScoredColumns.assertAdded(scored, "id", "tag", "image");
      assertTrue(scored.schema().apply("prediction").nullable());
      List<Row> rows = scored.collectAsList();
      assertScores(rows);
      for (int i = 0; i < N; i++) {
        assertEquals("t" + i, rows.get(i).getString(1), "input values kept");
      }
      if (df.schema().apply("image").dataType() == DataTypes.BinaryType) {
        assertArrayEquals(images.png(7), (byte[]) rows.get(7).get(2));
      }
    }
  }

  @Test
  void batchSizeDoesNotChangeTheScores() {
    for (int batch : new int[] {1, 7, 256}) {
      assertScores(
          model.copy(new ParamMap()).setBatchSize(batch).transform(floatArrays()).collectAsList());
    }
  }

  @Test
  void transformOfParquetInputAndOfAnImageStructInAnyFieldOrder() {
    // Parquet's reader hands out one reused row buffer: rows held for a batch must be copies.
    String path = tmp.resolve("float-arrays.parquet").toString();
    floatArrays().coalesce(1).write().parquet(path);
    assertScores(
        model
            .copy(new ParamMap())
            .setBatchSize(5)
            .transform(spark.read().parquet(path).orderBy("id"))
            .collectAsList());

    // The struct's fields are found by name: reversed, with one more, and the data still BGR.
    StructType reversed =
        new StructType()
            .add("data", DataTypes.BinaryType)
            .add("mode", DataTypes.IntegerType)
            .add("extra", DataTypes.StringType)
            .add("nChannels", DataTypes.IntegerType)
            .add("width", DataTypes.IntegerType)
            .add("height", DataTypes.IntegerType)
            .add("origin", DataTypes.StringType);
    assertScores(
        model
            .transform(
                table(
                    reversed,
                    i -> {
                      Row r = struct(i, SIZE);
                      return RowFactory.create(
                          r.get(5), r.get(4), "x", r.get(3), r.get(2), r.get(1), r.get(0));
                    }))
            .collectAsList());
  }

  @Test
  void transformScoresAStream() throws Exception {
    Path in = tmp.resolve("stream-in");
    floatArrays().write().parquet(in.toString());
    Dataset<Row> stream = spark.readStream().schema(floatArrays().schema()).parquet(in.toString());
    StreamingQuery q =
        model
            .transform(stream)
            .writeStream()
            .format("memory")
            .queryName("scored_stream")
            .trigger(Trigger.AvailableNow())
            .start();
    q.awaitTermination(120_000);
    assertNull(q.exception().isDefined() ? q.exception().get() : null);
    assertScores(spark.table("scored_stream").orderBy("id").collectAsList());
  }

  @Test
  void transformReadsEveryIntegerElementTypeAndNamesANullPixel() {
    assertScores(
        model
            .transform(
                table(DataTypes.createArrayType(DataTypes.LongType), i -> pixels(i, p -> (long) p)))
            .collectAsList());
    assertScores(
        model
            .transform(
                table(
                    DataTypes.createArrayType(DataTypes.ShortType), i -> pixels(i, p -> (short) p)))
            .collectAsList());
    List<Row> rows =
        model
            .transform(
                table(
                    DataTypes.createArrayType(DataTypes.IntegerType),
                    i -> {
                      List<Object> v = pixels(i, p -> p);
                      if (i == 4) {
                        v.set(11, null);
                      } else if (i == 5) {
                        v.set(2, 256);
                      }
                      return v;
                    }))
            .collectAsList();
    assertTrue(
        rows.get(4).<String>getAs("error").contains("null at index 11"),
        rows.get(4).<String>getAs("error"));
    assertTrue(
        rows.get(5).<String>getAs("error").contains("256 at index 2"),
        rows.get(5).<String>getAs("error"));
    assertNull(rows.get(6).getAs("error"));
  }

  @Test
  void predictedLabelOnlyWithClassNames() {
    CnnClassificationModel unnamed =
        new CnnClassificationModel(model.network(), ModelInfo.defaults());
    assertEquals(
        List.of("id", "tag", "image", "prediction", "probability", "rawPrediction", "error"),
        List.of(unnamed.transform(png()).columns()));
    assertEquals(
        List.of("id", "tag", "image", "prediction", "probability", "rawPrediction", "error"),
        List.of(model.copy(new ParamMap()).setPredictedLabelCol("").transform(png()).columns()),
        "an empty predictedLabelCol turns it off");
  }

  /** PNG rows of which 4 are bad: 3 corrupt, 9 wrong size, 20 null, 38 not a PNG. */
  private static Dataset<Row> pngWithBadRows() {
    TestImages big = TestImages.generate(1, SIZE + 2, 4, 3);
    return table(
        DataTypes.BinaryType,
        i ->
            switch (i) {
              case 3 -> {
                byte[] b = images.png(i);
                b[b.length / 2] ^= 0x55;
                yield b;
              }
              case 9 -> big.png(0);
              case 20 -> null;
              case 38 -> new byte[] {1, 2, 3};
              default -> images.png(i);
            });
  }

  @Test
  void badRowsGetANullPredictionAndAnErrorAndAreNeverDropped() {
    List<Row> rows = model.transform(pngWithBadRows()).collectAsList();
    assertEquals(N, rows.size());
    List<Integer> bad = List.of(3, 9, 20, 38);
    for (int i = 0; i < N; i++) {
      Row r = rows.get(i);
      assertEquals((long) i, r.getLong(0));
      if (bad.contains(i)) {
        assertNull(r.getAs("prediction"), "row " + i);
        assertNull(r.getAs("probability"));
        assertNull(r.getAs("predicted_label"));
        assertNotNull(r.getAs("error"), "row " + i);
      } else {
        assertNull(r.getAs("error"), "row " + i + ": " + r.getAs("error"));
        assertEquals(
            expected[i * 4 + (int) (double) r.<Double>getAs("prediction")],
            ((Vector) r.getAs("probability")).apply((int) (double) r.<Double>getAs("prediction")),
            1e-6);
      }
    }
    String wrongSize = rows.get(9).getAs("error");
    assertTrue(wrongSize.contains(SIZE + 2 + " x " + (SIZE + 2)), wrongSize);
    String isNull = rows.get(20).getAs("error");
    assertTrue(
        isNull.startsWith("Image is null") && isNull.contains("partition 1, row 7"),
        "names the row within its partition (rows 13..25 are partition 1): " + isNull);

    // NaN and wrong lengths in arrays.
    Dataset<Row> arrays =
        table(
            DataTypes.createArrayType(DataTypes.FloatType),
            i -> {
              List<Object> v = pixels(i, p -> p / 255f);
              if (i == 5) {
                v.set(7, Float.NaN);
              } else if (i == 6) {
                v.remove(0);
              }
              return v;
            });
    Dataset<Row> scored = model.transform(arrays);
    assertEquals(2, scored.where(col("error").isNotNull()).count());
    assertEquals(N - 2, scored.where(col("prediction").isNotNull()).count());
    List<Row> errs = scored.where(col("error").isNotNull()).select("id", "error").collectAsList();
    assertTrue(errs.get(0).getString(1).contains("NaN at index 7"), errs.get(0).getString(1));
    assertTrue(errs.get(1).getString(1).contains("wrong length"), errs.get(1).getString(1));

    // A struct with the wrong height.
    List<Row> structRows =
        model
            .transform(table(ImageSchema.columnSchema(), i -> struct(i, i == 0 ? SIZE - 1 : SIZE)))
            .collectAsList();
    assertTrue(structRows.get(0).<String>getAs("error").contains("differs from the model input"));
    assertNull(structRows.get(1).getAs("error"));
  }

  @Test
  void strictModeFailsNamingTheFirstBadRow() {
    CnnClassificationModel strict = model.copy(new ParamMap()).setStrict(true).setIdCol("id");
    // Partition 0 holds rows 0..12, two of them bad (3 and 9); the others none.
    Dataset<Row> bad = pngWithBadRows().where(col("id").lt(13));
    Exception e = assertThrows(Exception.class, () -> strict.transform(bad).collectAsList());
    String m = String.valueOf(e.getMessage());
    assertTrue(m.contains("Bad row in strict mode") && m.contains("partition 0, row 3, id = 3"), m);
    // Good data passes in strict mode.
    assertScores(strict.transform(png()).collectAsList());
    String noId =
        assertThrows(
                IllegalArgumentException.class,
                () -> strict.copy(new ParamMap()).setIdCol("nope").transform(png()))
            .getMessage();
    assertTrue(noId.contains("idCol 'nope' is not a column"), noId);
  }

  private static int best(int i) {
    int best = 0;
    for (int c = 1; c < 4; c++) {
      best = expected[i * 4 + c] > expected[i * 4 + best] ? c : best;
    }
    return best;
  }

  @Test
  void sqlFunctionsScoreInSqlAndTheDataFrameApi() throws Exception {
    Path dir = tmp.resolve("sql-model");
    ModelStore.save(
        model.network(), model.info(), dir.toString(), spark.sparkContext().hadoopConfiguration());
    assertEquals(
        List.of("fm", "fm_proba", "fm_raw", "fm_label", "fm_error"),
        CnnFunctions.register(spark, "fm", dir.toString()));
    List<Integer> bad = List.of(3, 9, 20, 38);
    for (Dataset<Row> df : List.of(pngWithBadRows(), doubleArrays(), structs())) {
      df.createOrReplaceTempView("images");
      List<Row> sql =
          spark
              .sql(
                  "SELECT id, fm(image) AS p, fm_proba(image) AS q, "
                      + "fm_label(image) AS l, fm_error(image) AS e FROM images")
              .collectAsList();
      boolean png = df.schema().apply("image").dataType() == DataTypes.BinaryType;
      assertEquals(N, sql.size());
      for (int i = 0; i < N; i++) {
        Row s = sql.get(i);
        if (png && bad.contains(i)) {
          assertTrue(s.isNullAt(1) && s.isNullAt(2) && s.isNullAt(3), "row " + i);
          assertNotNull(s.get(4), "row " + i);
          continue;
        }
        assertEquals(best(i), s.getDouble(1), "row " + i);
        assertEquals(NAMES.get(best(i)), s.getString(3));
        assertNull(s.get(4));
        List<Float> got = s.getList(2);
        for (int c = 0; c < 4; c++) {
          assertEquals(expected[i * 4 + c], got.get(c), 1e-6);
        }
      }
    }
    assertEquals(
        DataTypes.createArrayType(DataTypes.FloatType, false),
        spark.sql("SELECT fm_proba(image) FROM images").schema().fields()[0].dataType());
    List<Row> api =
        intArrays()
            .select(
                col("id"), call_udf("fm", col("image")).as("p"), call_udf("fm_error", col("image")))
            .collectAsList();
    for (int i = 0; i < N; i++) {
      assertEquals(best(i), api.get(i).getDouble(1));
      assertTrue(api.get(i).isNullAt(2));
    }
    Row none = spark.sql("SELECT fm(CAST(NULL AS BINARY)), fm_error(CAST(NULL AS BINARY))").first();
    assertTrue(none.isNullAt(0));
    assertTrue(none.getString(1).startsWith("Image is null"), none.getString(1));
    String badName =
        assertThrows(
                IllegalArgumentException.class,
                () -> CnnFunctions.register(spark, "1x", dir.toString()))
            .getMessage();
    assertTrue(badName.contains("not a SQL identifier"), badName);
  }

  @Test
  void sqlFunctionsInAProjectionRunAsOneBatchedPassPerModelAndImage() throws Exception {
    Path dir = tmp.resolve("batched-sql-model");
    ModelStore.save(
        model.network(), model.info(), dir.toString(), spark.sparkContext().hadoopConfiguration());
    CnnFunctions.register(spark, "fb", dir.toString());
    List<Integer> bad = List.of(3, 9, 20, 38);
    pngWithBadRows().createOrReplaceTempView("batched_images");
    Dataset<Row> q =
        spark.sql(
            "SELECT id + 1 AS next, fb(image) AS p, fb_proba(image) AS q, "
                + "tag, fb_error(image) AS e, upper(fb_label(image)) AS l, id FROM batched_images");
    String plan = q.queryExecution().optimizedPlan().toString();
    assertTrue(plan.contains("MapPartitions"), plan);
    assertEquals(1, plan.split("MapPartitions", -1).length - 1, "one pass for 4 calls: " + plan);
    assertFalse(
        plan.contains("fb(")
            || plan.contains("fb_proba(")
            || plan.contains("fb_error(")
            || plan.contains("fb_label("),
        "no per-row call left: " + plan);
    List<Row> rows = q.collectAsList();
    assertEquals(N, rows.size());
    for (int i = 0; i < N; i++) {
      Row r = rows.get(i);
      assertEquals(i + 1L, r.getLong(0));
      assertEquals("t" + i, r.getString(3));
      assertEquals((long) i, r.getLong(6));
      if (bad.contains(i)) {
        assertTrue(r.isNullAt(1) && r.isNullAt(2) && r.isNullAt(5), "row " + i);
        assertNotNull(r.getString(4), "row " + i);
        continue;
      }
      assertEquals(best(i), r.getDouble(1), "row " + i);
      assertEquals(NAMES.get(best(i)).toUpperCase(Locale.ROOT), r.getString(5));
      assertNull(r.get(4));
      List<Float> got = r.getList(2);
      for (int c = 0; c < 4; c++) {
        assertEquals(expected[i * 4 + c], got.get(c), 1e-6);
      }
    }
    // The per-row function's error text, plus where the row is.
    assertTrue(
        rows.get(20)
            .getString(4)
            .startsWith(
                "Image is null in 'SQL function argument', "
                    + "partition 1, row 7; received: null"),
        rows.get(20).getString(4));

    // In WHERE, ORDER BY and GROUP BY the calls are batched too.
    Dataset<Row> where =
        spark.sql(
            "SELECT id FROM batched_images WHERE fb(image) = 2 "
                + "ORDER BY fb_proba(image)[2] DESC, id");
    String wherePlan = where.queryExecution().optimizedPlan().toString();
    assertFalse(wherePlan.contains("fb(") || wherePlan.contains("fb_proba("), wherePlan);
    List<Long> want = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (!bad.contains(i) && best(i) == 2) {
        want.add((long) i);
      }
    }
    want.sort(
        (a, b) ->
            Float.compare(expected[(int) (long) b * 4 + 2], expected[(int) (long) a * 4 + 2]));
    assertEquals(want, where.collectAsList().stream().map(r -> r.getLong(0)).toList());
    assertEquals(List.of("id"), List.of(where.columns()), "the filter's columns only");

    Dataset<Row> grouped =
        spark.sql(
            "SELECT fb_label(image) AS l, count(*) AS n, "
                + "count(fb_error(image)) AS bad FROM batched_images GROUP BY fb_label(image)");
    String groupedPlan = grouped.queryExecution().optimizedPlan().toString();
    assertFalse(
        groupedPlan.contains("fb_label(") || groupedPlan.contains("fb_error("), groupedPlan);
    Map<String, Long> counts = new HashMap<>();
    for (int i = 0; i < N; i++) {
      counts.merge(bad.contains(i) ? "null" : NAMES.get(best(i)), 1L, Long::sum);
    }
    for (Row r : grouped.collectAsList()) {
      String label = r.isNullAt(0) ? "null" : r.getString(0);
      assertEquals(counts.get(label), r.getLong(1), label);
      assertEquals(label.equals("null") ? bad.size() : 0L, r.getLong(2), label);
    }

    // Spark pushes a filter on a scored column below the projection, repeating the call:
    // still one pass.
    Dataset<Row> scoredThenFiltered =
        spark.sql(
            "SELECT * FROM (SELECT id, fb(image) AS p, "
                + "fb_error(image) AS e FROM batched_images) WHERE p = 2 OR e IS NOT NULL");
    String pushed = scoredThenFiltered.queryExecution().optimizedPlan().toString();
    assertEquals(1, pushed.split("MapPartitions", -1).length - 1, pushed);
    List<Long> wantOrBad = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (bad.contains(i) || best(i) == 2) {
        wantOrBad.add((long) i);
      }
    }
    assertEquals(
        wantOrBad, scoredThenFiltered.collectAsList().stream().map(r -> r.getLong(0)).toList());
    // A call on a lambda's variable cannot be batched: it stays per-row, with the same result.
    List<Row> lambda =
        spark
            .sql(
                "SELECT id, transform(array(image, image), x -> fb(x)) AS ps "
                    + "FROM batched_images ORDER BY id")
            .collectAsList();
    for (int i = 0; i < N; i++) {
      List<Double> ps = lambda.get(i).getList(1);
      Double want1 = bad.contains(i) ? null : (double) best(i);
      assertEquals(Arrays.asList(want1, want1), ps, "row " + i);
    }

    // Nor a call on an aggregate's result: it is computed after the aggregation.
    List<Row> perGroup =
        spark
            .sql(
                "SELECT id, fb(first(image)) AS p FROM batched_images " + "GROUP BY id ORDER BY id")
            .collectAsList();
    for (int i = 0; i < N; i++) {
      assertEquals(
          bad.contains(i) ? null : (Object) (double) best(i), perGroup.get(i).get(1), "row " + i);
    }

    // withColumn in the DataFrame API, over a second model: two passes.
    CnnFunctions.register(spark, "fc", dir.toString());
    Dataset<Row> two =
        floatArrays()
            .withColumn("p", call_udf("fb", col("image")))
            .withColumn("p2", call_udf("fc", col("image")));
    String twoPlan = two.queryExecution().optimizedPlan().toString();
    assertEquals(2, twoPlan.split("MapPartitions", -1).length - 1, twoPlan);
    List<Row> both = two.collectAsList();
    for (int i = 0; i < N; i++) {
      assertEquals(best(i), both.get(i).getDouble(3));
      assertEquals(best(i), both.get(i).getDouble(4));
      assertEquals(SIZE * SIZE, both.get(i).<Object>getList(2).size(), "image column kept");
    }
  }
}
