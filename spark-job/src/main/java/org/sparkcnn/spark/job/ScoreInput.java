package org.sparkcnn.spark.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.FileTree;
import org.sparkcnn.datasets.ImageFolderListing;
import org.sparkcnn.datasets.ImageFolderReader;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.data.IdxSource;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.HadoopFileTree;

/**
 * The scoring job's input as a DataFrame with an image column, by format:
 *
 * <ul>
 *   <li>{@code parquet} / {@code table}: the rows as they are; every column is kept in the output.
 *   <li>{@code images}: every file under the folder, walked as the training reader walks it ({@link
 *       ImageFolderListing#everything}: recursively, names starting with "." or "_" ignored, links
 *       to folders not followed) as {@code path} (string), {@code label} (int, only when the folder
 *       has the training layout {@code root/<class>/<file>}: class folders sorted by name give 0,
 *       1, ...) and {@code image} (binary, the file's bytes, read by the tasks). A file that cannot
 *       be read (a zero-byte file, a broken link, a FIFO, a link to a folder) or is not an image
 *       becomes a bad row with its error, not a failure and never a missing row (under {@code
 *       --strict}, the job fails naming it). An empty folder is an error.
 *   <li>{@code idx}: an IDX pair as {@code id} (long, the image's index in the file), {@code label}
 *       (int) and {@code image} (Spark's image struct of the raw pixels, no decoding); each task
 *       reads only its own rows.
 * </ul>
 *
 * For images and idx the image column is not written to the output (the files hold it).
 *
 * @param frame the rows to score
 * @param imageCol their image column
 * @param idCol the column that names a row in errors, or "" for none
 * @param dropImage whether the output leaves out the image column
 * @param describe one line for logs, e.g. "Parquet /data/x (auto-detected)"
 * @param readErrorCol the column holding why a file could not be read (null when it could), which
 *     the job moves into the error column after scoring; "" when the input has none
 */
record ScoreInput(
    Dataset<Row> frame,
    String imageCol,
    String idCol,
    boolean dropImage,
    String describe,
    String readErrorCol) {

  /** The images format's column with the read error of each file. */
  static final String READ_ERROR = "read_error";

  /** Files per image-folder partition when --partitions is not given. */
  static final int FILES_PER_PARTITION = 2_000;

  ScoreInput(
      Dataset<Row> frame, String imageCol, String idCol, boolean dropImage, String describe) {
    this(frame, imageCol, idCol, dropImage, describe, "");
  }

  /** Rows per IDX partition when --partitions is not given (~7.5 MiB of 28x28 pixels). */
  static final int IDX_ROWS_PER_PARTITION = 10_000;

  static ScoreInput open(
      SparkSession spark, ScoreJob.Args args, ModelInput input, List<String> classNames) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    String format =
        args.format().equals("auto") ? DataSources.detect(jsc, args.input()) : args.format();
    String how = args.format().equals("auto") ? " (auto-detected)" : "";
    ScoreInput in =
        switch (format) {
          case "parquet" ->
              new ScoreInput(
                  spark.read().parquet(args.input()),
                  args.imageCol(),
                  args.idCol(),
                  args.dropImage(),
                  "Parquet " + args.input() + how);
          case "table" ->
              new ScoreInput(
                  spark.table(args.input()),
                  args.imageCol(),
                  args.idCol(),
                  args.dropImage(),
                  "table " + args.input() + how);
          case "images" ->
              new ScoreInput(
                  images(spark, args.input(), args.partitions(), args.strict()),
                  "image",
                  args.idCol().isEmpty() ? "path" : args.idCol(),
                  true,
                  "image folder " + args.input() + how,
                  READ_ERROR);
          case "idx" ->
              new ScoreInput(
                  idx(spark, args.input(), args.partitions(), input, classNames),
                  "image",
                  args.idCol().isEmpty() ? "id" : args.idCol(),
                  true,
                  "IDX " + args.input() + how);
          default ->
              throw ErrorText.problem("unknown format")
                  .in("--format")
                  .received(ErrorText.quote(args.format()))
                  .expected("one of " + String.join(", ", JobConfig.FORMATS))
                  .illegalArgument();
        };
    if ((format.equals("parquet") || format.equals("table")) && in.frame().isEmpty()) {
      // Image folders and IDX files with no rows fail while they are listed; a table is only
      // known to be empty once read.
      throw DatasetException.in(in.describe())
          .problem("The scoring input is empty")
          .received("0 rows")
          .expected("at least one row to score")
          .hint("check the path, the filter or the table name.")
          .build();
    }
    if (args.partitions() > 0 && !format.equals("idx") && !format.equals("images")) {
      return new ScoreInput(
          in.frame().repartition(args.partitions()),
          in.imageCol(),
          in.idCol(),
          in.dropImage(),
          in.describe() + ", repartitioned into " + args.partitions(),
          in.readErrorCol());
    }
    return in;
  }

  /**
   * path, [label], image (binary, null when unreadable) and read_error of every file under root;
   * the driver walks the folder, the tasks read the files.
   *
   * @param strict fail on the first file that cannot be read instead of keeping it as a bad row
   */
  static Dataset<Row> images(SparkSession spark, String root, int partitions, boolean strict) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ImageFolderListing.Walk walk =
        ImageFolderListing.everything(new HadoopFileTree(jsc.hadoopConfiguration()), root);
    List<ImageFolderListing.Found> found = walk.found();
    boolean labelled = walk.classNames() != null;
    int p =
        partitions > 0
            ? partitions
            : Math.max(
                jsc.defaultParallelism(),
                (found.size() + FILES_PER_PARTITION - 1) / FILES_PER_PARTITION);
    Broadcast<SerializableConfiguration> conf =
        SerializableConfiguration.broadcast(jsc.sc(), jsc.hadoopConfiguration());
    JavaRDD<Row> rows =
        jsc.parallelize(found, Math.min(p, found.size()))
            .mapPartitions(
                it -> {
                  FileTree tree = new HadoopFileTree(conf.value().value());
                  List<Row> out = new ArrayList<>();
                  while (it.hasNext()) {
                    out.add(fileRow(tree, it.next(), labelled, strict));
                  }
                  return out.iterator();
                });
    StructType schema = new StructType().add("path", DataTypes.StringType, false);
    if (labelled) {
      schema = schema.add("label", DataTypes.IntegerType, false);
    }
    schema =
        schema.add("image", DataTypes.BinaryType, true).add(READ_ERROR, DataTypes.StringType, true);
    return spark.createDataFrame(rows, schema);
  }

  /** One file's row: its bytes, or null and the reason they could not be read. */
  private static Row fileRow(
      FileTree tree, ImageFolderListing.Found f, boolean labelled, boolean strict) {
    byte[] image = null;
    String error = f.problem();
    if (error == null) {
      try {
        image = ImageFolderReader.read(tree, f.entry());
      } catch (DatasetException e) {
        if (strict) {
          throw e;
        }
        error = e.getMessage();
      }
    } else if (strict) {
      throw ImageFolderListing.badEntry(f.entry(), 0);
    }
    String path = f.entry().path();
    return labelled
        ? RowFactory.create(path, f.classIndex(), image, error)
        : RowFactory.create(path, image, error);
  }

  /** id, label, image (struct of raw pixels) of an IDX pair, read by the tasks. */
  static Dataset<Row> idx(
      SparkSession spark, String path, int partitions, ModelInput input, List<String> classNames) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    IdxSource source = IdxSource.open(jsc, path, input, classNames);
    long n = source.count();
    int p =
        partitions > 0
            ? partitions
            : (int)
                Math.max(
                    jsc.defaultParallelism(),
                    (n + IDX_ROWS_PER_PARTITION - 1) / IDX_ROWS_PER_PARTITION);
    JavaRDD<Row> rows = source.blocks(0, n, p).mapPartitions(ScoreInput::idxRows);
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("image", ImageSchema.columnSchema(), false);
    return spark.createDataFrame(rows, schema);
  }

  /** The rows of a partition's blocks; one image struct (origin null, mode CV_8UC1) each. */
  private static Iterator<Row> idxRows(Iterator<ImageBlock> blocks) {
    return new Iterator<>() {
      ImageBlock block;
      int i;

      @Override
      public boolean hasNext() {
        while ((block == null || i >= block.size()) && blocks.hasNext()) {
          block = blocks.next();
          i = 0;
        }
        return block != null && i < block.size();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int size = block.height * block.width * block.channels;
        byte[] data = Arrays.copyOfRange(block.pixels, i * size, (i + 1) * size);
        Row image = RowFactory.create(null, block.height, block.width, block.channels, 0, data);
        Row r = RowFactory.create(block.ids[i], block.labels[i], image);
        i++;
        return r;
      }
    };
  }
}
