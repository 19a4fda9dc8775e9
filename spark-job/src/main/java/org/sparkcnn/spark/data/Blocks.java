package org.sparkcnn.spark.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.SparkJobs;

/** Cached block RDDs and the Keras-style hold-out split. */
public final class Blocks {
  private Blocks() {}

  /** An empty block of the model's image size (a partition with no rows). */
  public static ImageBlock empty(ModelInput in) {
    return new ImageBlock(
        in.height(),
        in.width(),
        in.channels(),
        new byte[0],
        new int[0],
        new long[0],
        in.targets().storedWidth());
  }

  /** How a task turns its partition's slice into a block, with the job's Hadoop configuration. */
  public interface SliceReader<S> extends Serializable {
    ImageBlock read(Configuration conf, S slice) throws Exception;
  }

  /**
   * One block per slice, read by the task of partition p from {@code slices[p]} (for sources whose
   * tasks read their own files); a partition with nothing to read gets an empty block.
   */
  public static <S extends Serializable> JavaRDD<ImageBlock> readByTasks(
      JavaSparkContext jsc, List<S> slices, ModelInput in, SliceReader<S> reader) {
    Broadcast<SerializableConfiguration> conf =
        SerializableConfiguration.broadcast(jsc.sc(), jsc.hadoopConfiguration());
    return jsc.parallelize(slices, slices.size())
        .mapPartitions(
            it -> {
              List<ImageBlock> out = new ArrayList<>(1);
              while (it.hasNext()) {
                out.add(reader.read(conf.value().value(), it.next()));
              }
              return out.isEmpty()
                  ? Collections.singletonList(empty(in)).iterator()
                  : out.iterator();
            });
  }

  /**
   * Rows [from, to) of {@code source} as cached blocks, decoded now: every decoding error (bad
   * image, wrong size, label out of range) surfaces here, before training starts.
   */
  public static JavaRDD<ImageBlock> cached(
      ImageSource source, long from, long to, int partitions, String name) {
    try (SparkJobs.Scope named =
        SparkJobs.describe(
            SparkContext.getOrCreate(), SparkJobs.Phase.DATA, "decode " + name + " data")) {
      JavaRDD<ImageBlock> blocks =
          source
              .blocks(from, to, partitions)
              .setName(name + ": " + source.describe() + " rows " + from + ".." + (to - 1))
              .persist(StorageLevel.MEMORY_ONLY());
      long n = blocks.map(b -> (long) b.size()).fold(0L, Long::sum);
      if (n != to - from) {
        throw new IllegalStateException(
            name
                + " data: decoded "
                + n
                + " rows of "
                + source.describe()
                + ", expected "
                + (to - from));
      }
      return blocks;
    }
  }

  /** Fails when a source holds no rows, naming it. */
  public static long requireRows(ImageSource source, String role) {
    long n =
        SparkJobs.run(
            SparkContext.getOrCreate(),
            SparkJobs.Phase.DATA,
            "count " + role + " data",
            source::count);
    if (n == 0) {
      throw DatasetException.in(source.describe())
          .problem("The " + role + " data is empty")
          .received("0 rows")
          .expected("at least one labelled image")
          .hint("check the path, the filter or the table name.")
          .build();
    }
    return n;
  }

  /**
   * Keras' validation_split: the last fraction of the rows (by row id, before any shuffling) is
   * held out. Returns split_at = ceil(n * (1 - fraction)): training is [0, split_at), validation
   * [split_at, n).
   */
  public static long splitAt(long n, double fraction, String sourceName) {
    if (!(fraction > 0 && fraction < 1)) {
      throw ErrorText.problem("validation_split out of range")
          .in(sourceName)
          .received(fraction)
          .expected("a number in (0, 1)")
          .illegalArgument();
    }
    long at = (long) Math.ceil(n * (1.0 - fraction));
    if (at <= 0 || at >= n) {
      throw DatasetException.in(sourceName)
          .problem("validation_split leaves a side empty")
          .received(
              fraction
                  + " of "
                  + n
                  + " rows: "
                  + at
                  + " for training, "
                  + (n - at)
                  + " for validation")
          .expected("at least one row on each side")
          .build();
    }
    return at;
  }
}
