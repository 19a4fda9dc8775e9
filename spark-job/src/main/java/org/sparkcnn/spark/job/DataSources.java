package org.sparkcnn.spark.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.datasets.BadFilePolicy;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.SparkJobs;
import org.sparkcnn.spark.data.DataFrameSource;
import org.sparkcnn.spark.data.IdxSource;
import org.sparkcnn.spark.data.ImageFolderSource;
import org.sparkcnn.spark.data.ImageSource;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.HadoopFileTree;

/** Opens a job's data path as an {@link ImageSource}, by the config's {@code format}. */
public final class DataSources {
  private DataSources() {}

  /**
   * @param format idx, images, parquet, table, or auto (see {@link JobConfig#FORMATS})
   * @param classNames names of the labels when the config gives them, else null
   * @param resize image folders: resize images to the model's input instead of failing
   * @param badFiles image folders: fail at the first bad file, or skip and list them
   */
  public static ImageSource open(
      SparkSession spark,
      String path,
      String format,
      String imageCol,
      String labelCol,
      ModelInput input,
      List<String> classNames,
      boolean resize,
      BadFilePolicy badFiles) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    String resolved = format.equals("auto") ? detect(jsc, path) : format;
    String where = resolved.equals("table") ? path : qualify(jsc, path);
    if (!input.targets().takesClassIndex()
        && (resolved.equals("idx") || resolved.equals("images"))) {
      throw DatasetException.in(where)
          .problem(
              "label_mode "
                  + input.targets().mode().kerasName()
                  + " cannot read "
                  + (resolved.equals("idx") ? "IDX files" : "an image folder"))
          .received("one class index per image")
          .expected(input.labelRangeText())
          .hint(
              "multi-label data needs an array label column (Parquet or a table); for one class"
                  + " per image use label_mode int, binary or categorical.")
          .build();
    }
    // Reading a Parquet footer or listing a folder may run Spark jobs: name them.
    return SparkJobs.run(
        spark.sparkContext(),
        SparkJobs.Phase.DATA,
        "read " + resolved + " " + where,
        () ->
            switch (resolved) {
              case "idx" -> IdxSource.open(jsc, where, input, classNames);
              case "images" -> ImageFolderSource.open(jsc, where, input, resize, badFiles);
              case "parquet" ->
                  DataFrameSource.open(
                      spark.read().parquet(where), imageCol, labelCol, input, "Parquet " + where);
              case "table" ->
                  DataFrameSource.open(
                      spark.table(where), imageCol, labelCol, input, "table " + where);
              default ->
                  throw ErrorText.problem("unknown format")
                      .received(ErrorText.quote(format))
                      .expected("one of " + JobConfig.FORMATS)
                      .illegalArgument();
            });
  }

  /**
   * The path made absolute on the driver: executors read files with their own working directory (a
   * worker's scratch folder on a cluster), so "data/x" must become "file:/home/me/data/x" before it
   * leaves the driver. Prefix paths (IDX "data/t10k") are qualified the same way.
   */
  static String qualify(JavaSparkContext jsc, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(jsc.hadoopConfiguration()).makeQualified(p).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve the file system of " + path, e);
    }
  }

  /** What "auto" reads {@code path} as: {@link DataFormat#detect} on the Hadoop file system. */
  static String detect(JavaSparkContext jsc, String path) {
    return DataFormat.detect(new HadoopFileTree(jsc.hadoopConfiguration()), path);
  }
}
