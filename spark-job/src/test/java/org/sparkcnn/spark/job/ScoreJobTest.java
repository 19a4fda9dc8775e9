package org.sparkcnn.spark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.SparkJobs;
import org.sparkcnn.spark.testing.JobsSeen;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.ScoredColumns;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/** The scoring job end to end on small Parquet, IDX and image-folder inputs. */
class ScoreJobTest extends SparkSessionTest {
  private static final int SIZE = 8;
  private static final int N = 30;
  private static TestImages images;
  private static Sequential net;
  private static JobsSeen jobs;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    jobs = JobsSeen.on(spark.sparkContext());
    images = TestImages.generate(N, SIZE, 4, 8);
    net = LocalSpark.model(SIZE, 1, 4, 2);
    ModelDirectory.save(
        net,
        ModelInfo.defaults().withClassNames(List.of("a", "b", "c", "d")),
        tmp.resolve("model"));
  }

  private static int expected(int i) {
    float[] x = new float[SIZE * SIZE];
    for (int k = 0; k < x.length; k++) {
      x[k] = images.pixel(i, k) / 255f;
    }
    float[] out = new float[4];
    net.predictBatch(net.parameters(), x, 1, out, 0);
    int best = 0;
    for (int c = 1; c < 4; c++) {
      best = out[c] > out[best] ? c : best;
    }
    return best;
  }

  private static Map<String, Object> score(String... extra) {
    List<String> a = new ArrayList<>(List.of("--model", tmp.resolve("model").toString()));
    a.addAll(List.of(extra));
    return ScoreJob.run(spark, ScoreJob.Args.parse(a.toArray(new String[0])));
  }

  @Test
  void parquetKeepsEveryColumnAndReportsBadRows() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(RowFactory.create("r" + i, i == 4 ? new byte[] {9, 9} : images.png(i)));
    }
    String input = tmp.resolve("in.parquet").toString();
    spark
        .createDataFrame(
            rows,
            new StructType().add("key", DataTypes.StringType).add("picture", DataTypes.BinaryType))
        .coalesce(2)
        .write()
        .parquet(input);
    String output = tmp.resolve("out-parquet").toString();
    int mark = jobs.mark();
    Map<String, Object> r =
        score(
            "--input",
            input,
            "--output",
            output,
            "--image-col",
            "picture",
            "--id-col",
            "key",
            "--batch-size",
            "8");
    assertEquals((long) N, r.get("rows"));
    assertEquals((long) N - 1, r.get("rows_scored"));
    assertEquals(1L, r.get("rows_failed"));
    assertTrue((Double) r.get("images_per_second") > 0);
    // Every Spark job of the run is named in the UI: reading, scoring and counting.
    List<JobsSeen.Job> scoring = jobs.since(mark);
    JobsSeen.assertAllNamed(scoring);

    List<Row> out = spark.read().parquet(output).orderBy("key").collectAsList();
    assertEquals(
        ScoredColumns.after("key", "picture"), List.of(spark.read().parquet(output).columns()));
    assertEquals(
        DataTypes.FloatType,
        ((ArrayType) spark.read().parquet(output).schema().apply("probability").dataType())
            .elementType());
    for (Row o : out) {
      int i = Integer.parseInt(o.getString(0).substring(1));
      if (i == 4) {
        assertTrue(o.isNullAt(2) && o.getString(6).startsWith("Not an image"), o.toString());
      } else {
        assertEquals(expected(i), (int) o.getDouble(2), "row " + i);
        assertEquals(List.of("a", "b", "c", "d").get((int) o.getDouble(2)), o.getString(5));
        assertEquals(4, o.getList(3).size());
        assertEquals(4, o.getList(4).size());
        assertNull(o.get(6));
      }
    }

    // What the job prints: our message, from wherever it is in Spark's chain of causes.
    String strict =
        JobSupport.userMessage(
            assertThrows(
                Exception.class,
                () ->
                    score(
                        "--input",
                        input,
                        "--output",
                        tmp.resolve("out-strict").toString(),
                        "--image-col",
                        "picture",
                        "--id-col",
                        "key",
                        "--strict")));
    assertTrue(strict.contains("Bad row in strict mode") && strict.contains("key = r4"), strict);
  }

  @Test
  void idxAndImageFoldersGiveIdOrPathLabelAndPredictions() throws Exception {
    images.writeIdx(tmp.resolve("idx/test"), true);
    String output = tmp.resolve("out-idx").toString();
    Map<String, Object> r =
        score(
            "--input", tmp.resolve("idx/test").toString(), "--output", output, "--partitions", "3");
    assertEquals((long) N, r.get("rows_scored"));
    assertEquals(0L, r.get("rows_failed"));
    List<Row> out = spark.read().parquet(output).orderBy("id").collectAsList();
    assertEquals(
        ScoredColumns.after("id", "label"), List.of(spark.read().parquet(output).columns()));
    for (int i = 0; i < N; i++) {
      assertEquals(i, out.get(i).getLong(0));
      assertEquals(images.labels[i], out.get(i).getInt(1));
      assertEquals(expected(i), (int) out.get(i).getDouble(2), "row " + i);
    }

    Path folder = tmp.resolve("folder");
    images.writeFolder(folder, "a", "b", "c", "d");
    Files.write(folder.resolve("b/broken.png"), new byte[] {1, 2, 3});
    // Files that cannot be read are bad rows with their error, never missing rows; a link to a
    // folder is not followed (each image once); "_" and "." names are not data.
    Files.write(folder.resolve("c/empty.png"), new byte[0]);
    Files.createSymbolicLink(folder.resolve("d/self.png"), folder.resolve("d/self.png"));
    Files.createSymbolicLink(folder.resolve("a/loop"), folder);
    Files.write(folder.resolve("_SUCCESS"), new byte[0]);
    Files.write(folder.resolve("a/.partial.png"), new byte[] {1});
    String folderOut = tmp.resolve("out-images").toString();
    Map<String, Object> f =
        score("--input", folder.toString(), "--output", folderOut, "--format", "images");
    assertEquals((long) N + 4, f.get("rows"));
    assertEquals(4L, f.get("rows_failed"));
    Map<String, String> errors = new TreeMap<>();
    for (Row bad :
        spark
            .read()
            .parquet(folderOut)
            .where(col("error").isNotNull())
            .select("path", "error", "prediction")
            .collectAsList()) {
      String path = bad.getString(0);
      errors.put(path.substring(path.lastIndexOf('/') + 1), bad.getString(1));
      assertTrue(bad.isNullAt(2), path);
    }
    assertEquals(
        List.of("broken.png", "empty.png", "loop", "self.png"), List.copyOf(errors.keySet()));
    assertTrue(errors.get("empty.png").startsWith("Not an image"), errors.toString());
    assertTrue(errors.get("self.png").startsWith("Cannot read file"), errors.toString());
    assertTrue(
        errors.get("loop").startsWith("Link to a folder is not followed"), errors.toString());

    Path emptyFolder = Files.createDirectories(tmp.resolve("empty-folder/_temporary"));
    String emptyError =
        assertThrows(
                DatasetException.class,
                () ->
                    score(
                        "--input",
                        emptyFolder.getParent().toString(),
                        "--output",
                        tmp.resolve("out-empty").toString(),
                        "--format",
                        "images"))
            .getMessage();
    assertTrue(emptyError.startsWith("Image folder has no files"), emptyError);

    String emptyParquet = tmp.resolve("empty.parquet").toString();
    spark
        .createDataFrame(
            List.<Row>of(), new StructType().add("image", DataTypes.BinaryType).add("k", "int"))
        .write()
        .parquet(emptyParquet);
    String noRows =
        assertThrows(
                DatasetException.class,
                () ->
                    score("--input", emptyParquet, "--output", tmp.resolve("out-none").toString()))
            .getMessage();
    assertTrue(noRows.startsWith("The scoring input is empty"), noRows);
    List<Row> scored =
        spark
            .read()
            .parquet(folderOut)
            .where(col("error").isNull())
            .orderBy("path")
            .collectAsList();
    assertEquals(
        ScoredColumns.after("path", "label"), List.of(spark.read().parquet(folderOut).columns()));
    for (Row o : scored) {
      String name = o.getString(0);
      int i = Integer.parseInt(name.substring(name.lastIndexOf("img_") + 4, name.length() - 4));
      assertEquals(images.labels[i], o.getInt(1), name);
      assertEquals(expected(i), (int) o.getDouble(2), name);
    }
  }

  @Test
  void jobDescriptionsDropCredentialsFromPaths() {
    SparkContext sc = spark.sparkContext();
    try (SparkJobs.Scope named =
        SparkJobs.describe(
            sc,
            SparkJobs.Phase.SCORE,
            "score s3a://KEY:s3cret@bucket/in?X-Amz-Signature=abc into /out")) {
      assertEquals(
          "spark-cnn: score s3a://bucket/in into /out",
          sc.getLocalProperty("spark.job.description"));
    }
  }

  @Test
  void badArgumentsAreNamed() {
    String missing = argsError("--model", "m", "--input", "i");
    assertTrue(missing.contains("missing --output"), missing);
    String format = argsError(OUTPUT_ARGS, "--format", "csv");
    assertTrue(format.contains("unknown format"), format);
    String batch = argsError(OUTPUT_ARGS, "--batch-size", "0");
    assertTrue(batch.contains("--batch-size: invalid value"), batch);
    String size = argsError(OUTPUT_ARGS, "--row-group-size", "16mb");
    assertTrue(size.contains("--row-group-size: invalid size; received: 16mb"), size);
  }

  /** A model, input and output: the required options. */
  private static final String[] OUTPUT_ARGS = {"--model", "m", "--input", "i", "--output", "o"};

  private static String argsError(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> ScoreJob.Args.parse(args))
        .getMessage();
  }

  private static String argsError(String[] required, String option, String value) {
    String[] args = Arrays.copyOf(required, required.length + 2);
    args[required.length] = option;
    args[required.length + 1] = value;
    return argsError(args);
  }

  private static ScoreJob.Args args(String... extra) {
    List<String> a = new ArrayList<>(List.of("--model", "m", "--input", "i", "--output", "o"));
    a.addAll(List.of(extra));
    return ScoreJob.Args.parse(a.toArray(new String[0]));
  }

  /** Row groups in the Parquet files of a folder, summed. */
  private static int rowGroups(String folder) throws Exception {
    int n = 0;
    try (var files = Files.list(Path.of(folder))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        try (ParquetFileReader r =
            ParquetFileReader.open(
                HadoopInputFile.fromPath(
                    new org.apache.hadoop.fs.Path(f.toString()), new Configuration()))) {
          n += r.getRowGroups().size();
        }
      }
    }
    return n;
  }

  @Test
  void rowGroupSizeComesFromTheOptionElseTheConfigurationElseSixteenMib() throws Exception {
    assertEquals(0, args().rowGroupBytes());
    assertEquals(65_536, args("--row-group-size", "64k").rowGroupBytes());
    assertEquals(16L << 20, args("--row-group-size", "16M").rowGroupBytes());
    assertEquals(1_000_000, args("--row-group-size", "1000000").rowGroupBytes());
    assertEquals(16L << 20, ScoreJob.RowGroupSize.of(spark, args()).bytes());

    // 4,000 rows of 64 pseudo-random pixels: ~0.3 MiB of Parquet, in one file.
    String input = tmp.resolve("groups.parquet").toString();
    spark
        .range(0, 4000, 1, 1)
        .select(
            col("id"),
            expr("transform(sequence(0, 63), " + "k -> CAST(hash(id, k) & 255 AS INT))")
                .as("image"))
        .write()
        .parquet(input);
    String output = tmp.resolve("out-groups").toString();
    score("--input", input, "--output", output);
    assertEquals(1, rowGroups(output), "the default 16 MiB holds the whole file");
    score("--input", input, "--output", output, "--row-group-size", "64k");
    int small = rowGroups(output);
    assertTrue(small >= 3, "64k row groups: " + small);

    // A setting of the user's is kept, unless the option is given.
    spark.conf().set(ScoreJob.PARQUET_BLOCK_SIZE, "65536");
    try {
      ScoreJob.RowGroupSize configured = ScoreJob.RowGroupSize.of(spark, args());
      assertEquals(0, configured.bytes());
      assertTrue(configured.describe().contains("parquet.block.size=65536"), configured.describe());
      score("--input", input, "--output", output);
      assertEquals(small, rowGroups(output));
      score("--input", input, "--output", output, "--row-group-size", "4m");
      assertEquals(1, rowGroups(output));
    } finally {
      spark.conf().unset(ScoreJob.PARQUET_BLOCK_SIZE);
    }
  }
}
