package org.sparkcnn.spark.job;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.spark.SparkJobs;
import org.sparkcnn.spark.ml.CnnClassificationModel;

/**
 * The scoring job: {@code spark-submit --class org.sparkcnn.spark.job.ScoreJob JOBJAR --model DIR
 * --input PATH --output PATH [--format auto|parquet|table|images|idx] [--image-col C] [--id-col C]
 * [--batch-size N] [--partitions N] [--row-group-size SIZE] [--strict] [--drop-image]}.
 *
 * <p>Reads an image table ({@link ScoreInput}), scores it with {@link
 * CnnClassificationModel#transform} and writes Parquet to {@code --output} (replaced): the input
 * columns (for images and idx: path or id, and label when known) plus {@code prediction} (int;
 * array&lt;int&gt; for a multi-label model), {@code probability} and {@code rawPrediction}
 * (array&lt;float&gt;, so that any Parquet reader understands them), {@code predicted_label} (when
 * the model has class names) and {@code error}: the columns of {@link
 * CnnClassificationModel#transform}. Bad rows are kept with a null prediction and the problem in
 * {@code error}, unless {@code --strict}, which fails the job naming the first bad row. Prints rows
 * scored, rows failed and images/second, as text and as one JSON line.
 *
 * <p>Memory: each writing task buffers one whole Parquet row group, compressed, until it reaches
 * the row group size; at Parquet's default of 128 MiB, a task's entire output file (61 MiB for
 * 500,000 rows with a 784-int image column) sat in the heap until the task ended. The job writes
 * row groups of {@code --row-group-size} (default {@value #DEFAULT_ROW_GROUP_SIZE}), unless {@code
 * parquet.block.size} is set in the session or Hadoop configuration and the option is not given.
 */
public final class ScoreJob {
  /** The help: {@code scripts/score --help} prints it. */
  static String usage() {
    return Cli.usage(new JobCommands.Score());
  }

  /** Rows per vectorized Parquet read batch; see {@link #run}. */
  static final String READER_BATCH = "spark.sql.parquet.columnarReaderBatchSize";

  /** Parquet's row group size in bytes, the memory each writing task buffers; see the class. */
  static final String PARQUET_BLOCK_SIZE = "parquet.block.size";

  /** The output's row group size when neither the option nor the configuration sets one. */
  static final String DEFAULT_ROW_GROUP_SIZE = "16m";

  private ScoreJob() {}

  /**
   * What to score, from the command line.
   *
   * @param rowGroupBytes {@code --row-group-size} in bytes, or 0 when not given
   */
  record Args(
      String model,
      String input,
      String output,
      String format,
      String imageCol,
      String idCol,
      int batchSize,
      int partitions,
      long rowGroupBytes,
      boolean strict,
      boolean dropImage) {

    /** The arguments, or null when -h or --help was asked for. */
    static Args parse(String[] args) {
      JobCommands.Score c = new JobCommands.Score();
      if (!Cli.parse(c, args)) {
        return null;
      }
      String format = c.columns.format;
      if (!JobConfig.FORMATS.contains(format)) {
        throw ErrorText.problem("unknown format")
            .in("--format")
            .received(ErrorText.quote(format))
            .expected("one of " + String.join(", ", JobConfig.FORMATS))
            .illegalArgument();
      }
      return new Args(
          c.saved.model,
          c.input,
          c.output,
          format,
          c.columns.imageCol,
          c.idCol,
          JobCommands.intAtLeast("--batch-size", c.batch.batchSize, 1),
          JobCommands.intAtLeast("--partitions", c.partitions, 0),
          c.rowGroupSize.isEmpty() ? 0 : bytes("--row-group-size", c.rowGroupSize),
          c.strict,
          c.dropImage);
    }

    private static final Pattern SIZE = Pattern.compile("([0-9]{1,12})([kmg]?)");

    /** A size in bytes: digits with an optional k, m or g (KiB, MiB, GiB), e.g. 16m. */
    static long bytes(String key, String value) {
      Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
      if (m.matches() && Long.parseLong(m.group(1)) > 0) {
        int shift =
            switch (m.group(2)) {
              case "k" -> 10;
              case "m" -> 20;
              case "g" -> 30;
              default -> 0;
            };
        return Long.parseLong(m.group(1)) << shift;
      }
      throw ErrorText.problem("invalid size")
          .in(key)
          .received(value)
          .expected("a positive number of bytes, or with k, m or g, e.g. 16m")
          .illegalArgument();
    }
  }

  public static void main(String[] argv) {
    JobSupport.main("score", argv, Args::parse, ScoreJob::usage, (spark, a) -> run(spark, a));
  }

  /**
   * Scores and writes; prints and returns {rows, rows_scored, rows_failed, seconds,
   * images_per_second, ...}.
   */
  public static Map<String, Object> run(SparkSession spark, Args args) {
    if (!spark.conf().contains(READER_BATCH)) {
      // Spark reads Parquet 4096 rows per batch: with 784-value image arrays that is a 13 MB
      // vector per task, grown by doubling, which ran a 512 MiB local[2] driver out of memory
      // on the first batch. Rows of images: batches of the scoring batch size suffice.
      spark.conf().set(READER_BATCH, String.valueOf(args.batchSize()));
    }
    RowGroupSize rowGroups = RowGroupSize.of(spark, args);
    SparkContext sc = spark.sparkContext();
    CnnClassificationModel model =
        SparkJobs.run(
            sc,
            SparkJobs.Phase.SCORE,
            "load model " + args.model(),
            () -> CnnClassificationModel.load(args.model()));
    ScoreInput in =
        SparkJobs.run(
            sc,
            SparkJobs.Phase.DATA,
            "read " + args.input(),
            () -> ScoreInput.open(spark, args, model.input(), model.classNames()));
    System.out.println(
        "spark-cnn score: "
            + in.describe()
            + " with "
            + args.model()
            + " ("
            + model.network().paramCount()
            + " parameters, batch "
            + args.batchSize()
            + (args.strict() ? ", strict" : "")
            + ") -> "
            + args.output()
            + " (row groups "
            + rowGroups.describe()
            + ")");
    model
        .setImageCol(in.imageCol())
        .setIdCol(in.idCol())
        .setBatchSize(args.batchSize())
        .setStrict(args.strict());
    Dataset<Row> scored = model.transform(in.frame());
    String error = model.getOrDefault(model.errorCol());
    if (!in.readErrorCol().isEmpty()) {
      // A file that could not be read was scored as a null image: its read error says more.
      scored =
          scored
              .withColumn(error, coalesce(col(in.readErrorCol()), col(error)))
              .drop(in.readErrorCol());
    }
    // array<float> for Parquet readers that know no ML vectors; null stays null.
    for (String vector :
        List.of(
            model.getOrDefault(model.probabilityCol()),
            model.getOrDefault(model.rawPredictionCol()))) {
      scored =
          scored.withColumn(
              vector,
              when(
                  col(vector).isNotNull(),
                  org.apache.spark.ml.functions.vector_to_array(col(vector), "float32")));
    }
    if (in.dropImage()) {
      scored = scored.drop(in.imageCol());
    }
    long started = System.nanoTime();
    long peakUsed;
    long peakAfterGc;
    try (HeapWatch heap = new HeapWatch()) {
      DataFrameWriter<Row> writer = scored.write().mode(SaveMode.Overwrite);
      if (rowGroups.bytes() > 0) {
        writer = writer.option(PARQUET_BLOCK_SIZE, rowGroups.bytes());
      }
      try (SparkJobs.Scope named =
          SparkJobs.describe(
              sc, SparkJobs.Phase.SCORE, "score " + args.input() + " into " + args.output())) {
        writer.parquet(args.output());
      }
      peakUsed = heap.peakUsedMib();
      peakAfterGc = heap.peakAfterGcMib();
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    // Exact counts from what was written (accumulators can double-count retried tasks).
    Dataset<Row> written =
        SparkJobs.run(
            sc,
            SparkJobs.Phase.SCORE,
            "read back " + args.output(),
            () -> spark.read().parquet(args.output()));
    Row counts =
        SparkJobs.run(
            sc,
            SparkJobs.Phase.SCORE,
            "count scored and failed rows",
            () -> written.agg(count(lit(1)), count(col(error))).first());
    long rows = counts.getLong(0);
    long failed = counts.getLong(1);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rows", rows);
    out.put("rows_scored", rows - failed);
    out.put("rows_failed", failed);
    out.put("seconds", seconds);
    out.put("images_per_second", rows / seconds);
    out.put("output", args.output());
    out.put("peak_heap_mib", peakUsed);
    out.put("peak_heap_after_gc_mib", peakAfterGc);
    out.put("max_heap_mib", HeapWatch.maxHeapMib());
    if (failed > 0) {
      String id = in.idCol().isEmpty() ? null : in.idCol();
      List<Row> first =
          SparkJobs.run(
              sc,
              SparkJobs.Phase.SCORE,
              "first failed rows",
              () ->
                  (id == null ? written.select(col(error)) : written.select(col(id), col(error)))
                      .where(col(error).isNotNull())
                      .limit(5)
                      .collectAsList());
      System.out.println("first failed rows:");
      for (Row r : first) {
        System.out.println(
            "  " + (id == null ? "" : id + " = " + r.get(0) + ": ") + r.getString(r.size() - 1));
      }
    }
    System.out.println(
        JobSupport.format(
            "rows scored: %d, rows failed: %d, images/second: %.1f "
                + "(%d rows in %.2f s; heap: max %d MiB, peak in use %d MiB, peak after GC %d MiB)",
            rows - failed,
            failed,
            rows / seconds,
            rows,
            seconds,
            HeapWatch.maxHeapMib(),
            peakUsed,
            peakAfterGc));
    System.out.println(Json.writeCompact(out));
    return out;
  }

  /**
   * The output's row group size: what the job sets on the writer ({@code bytes}, 0 to leave it to
   * the configuration) and how it was chosen, for the log line.
   */
  record RowGroupSize(long bytes, String describe) {
    static RowGroupSize of(SparkSession spark, Args args) {
      if (args.rowGroupBytes() > 0) {
        return new RowGroupSize(
            args.rowGroupBytes(), size(args.rowGroupBytes()) + " from --row-group-size");
      }
      // A session setting reaches the writer's Hadoop configuration, as does spark.hadoop.*.
      String configured =
          spark.conf().contains(PARQUET_BLOCK_SIZE)
              ? spark.conf().get(PARQUET_BLOCK_SIZE)
              : spark.sparkContext().hadoopConfiguration().get(PARQUET_BLOCK_SIZE);
      if (configured != null) {
        return new RowGroupSize(
            0, PARQUET_BLOCK_SIZE + "=" + configured + " from the configuration");
      }
      long bytes = Args.bytes("--row-group-size", DEFAULT_ROW_GROUP_SIZE);
      return new RowGroupSize(bytes, size(bytes) + ", the default");
    }

    private static String size(long bytes) {
      return bytes % (1 << 20) == 0
          ? (bytes >> 20) + " MiB"
          : bytes % (1 << 10) == 0 ? (bytes >> 10) + " KiB" : bytes + " bytes";
    }
  }
}
