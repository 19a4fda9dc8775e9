package org.sparkcnn.spark.job;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.data.IdxSource;
import org.sparkcnn.spark.data.ModelInput;

/**
 * The scoring job's input as a DataFrame with an image column, by format:
 *
 * <ul>
 *   <li>{@code parquet} / {@code table}: the rows as they are; every column is kept in the output.
 *   <li>{@code images}: every file under the folder (recursively; names starting with "." or "_"
 *       are skipped) as {@code path} (string), {@code label} (int, only when the folder has the
 *       training layout {@code root/<class>/<file>}: class folders sorted by name give 0, 1, ...)
 *       and {@code image} (binary, the file's bytes). A file that is not an image becomes a bad
 *       row, not a failure.
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
 */
record ScoreInput(
    Dataset<Row> frame, String imageCol, String idCol, boolean dropImage, String describe) {

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
                  images(spark, args.input()),
                  "image",
                  args.idCol().isEmpty() ? "path" : args.idCol(),
                  true,
                  "image folder " + args.input() + how);
          case "idx" ->
              new ScoreInput(
                  idx(spark, args.input(), args.partitions(), input, classNames),
                  "image",
                  args.idCol().isEmpty() ? "id" : args.idCol(),
                  true,
                  "IDX " + args.input() + how);
          default ->
              throw new IllegalArgumentException(
                  "--format: unknown format; received \""
                      + args.format()
                      + "\"; expected auto, parquet, table, images or idx");
        };
    if (args.partitions() > 0 && !format.equals("idx")) {
      return new ScoreInput(
          in.frame().repartition(args.partitions()),
          in.imageCol(),
          in.idCol(),
          in.dropImage(),
          in.describe() + ", repartitioned into " + args.partitions());
    }
    return in;
  }

  /** path, [label], image (binary) of every file under root. */
  static Dataset<Row> images(SparkSession spark, String root) {
    Dataset<Row> files =
        spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root);
    List<String> classes = classFolders(spark, root);
    List<Column> columns = new ArrayList<>(List.of(col("path")));
    if (classes != null) {
      // The parent folder's name, as the trainer labels an image folder.
      Column parent = element_at(split(col("path"), "/"), -2);
      Column position =
          array_position(array(classes.stream().map(c -> lit(c)).toArray(Column[]::new)), parent);
      columns.add(when(position.gt(0), position.minus(1).cast(DataTypes.IntegerType)).as("label"));
    }
    columns.add(col("content").as("image"));
    return files.select(columns.toArray(new Column[0]));
  }

  /**
   * The sorted class folder names when root has the training layout (only folders at the top, only
   * files inside them), else null: then the files carry no label.
   */
  private static List<String> classFolders(SparkSession spark, String root) {
    try {
      Path p = new Path(root);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.isDirectory(p)) {
        throw DatasetException.in(root)
            .problem("Image folder does not exist")
            .received(fs.exists(p) ? "a file" : "nothing at that path")
            .expected("a folder of images (any layout) or root/<class name>/<image file>")
            .build();
      }
      List<String> names = new ArrayList<>();
      for (FileStatus s : fs.listStatus(p)) {
        String name = s.getPath().getName();
        if (name.startsWith(".") || name.startsWith("_")) {
          continue;
        }
        if (!s.isDirectory()) {
          return null;
        }
        for (FileStatus f : fs.listStatus(s.getPath())) {
          if (f.isDirectory()) {
            return null;
          }
        }
        names.add(name);
      }
      names.sort(null);
      return names.isEmpty() ? null : names;
    } catch (IOException e) {
      throw DatasetException.in(root)
          .problem("Cannot list image folder")
          .received(e.toString())
          .cause(e)
          .build();
    }
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
