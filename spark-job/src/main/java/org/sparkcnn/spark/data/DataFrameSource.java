package org.sparkcnn.spark.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.labels.LabelColumn;
import scala.Tuple2;

/**
 * A DataFrame (table, Parquet files, anything Spark reads) with an image column and a label column;
 * see {@link ImageColumns} for the image column's types and {@link LabelColumn} for the label's.
 * Row ids follow the DataFrame's order: partition by partition, row by row within each.
 *
 * <p>Rows are decoded where they are read, then moved to their partition by id range, so the
 * shuffle carries uint8 pixels, never boxed rows of floats; each target partition is assembled into
 * one {@link ImageBlock} in id order.
 */
public final class DataFrameSource implements ImageSource {
  private final Dataset<Row> df;
  private final ImageColumns columns;
  private final LabelColumn labels;
  private final String name;
  private long[] offsets;

  private DataFrameSource(Dataset<Row> df, ImageColumns columns, LabelColumn labels, String name) {
    this.df = df;
    this.columns = columns;
    this.labels = labels;
    this.name = name;
  }

  /**
   * Checks the columns against the schema now (missing column, unsupported type) and leaves the
   * data unread.
   *
   * @param name how logs and errors name the data, e.g. the table name or path
   */
  public static DataFrameSource open(
      Dataset<Row> df, String imageCol, String labelCol, ModelInput input, String name) {
    return new DataFrameSource(
        df,
        ImageColumns.of(df.schema(), imageCol, null, input),
        LabelColumn.of(df.schema(), labelCol, input.targets()),
        name);
  }

  @Override
  public String describe() {
    return name;
  }

  /** Counts the rows of every partition (one Spark job, the first time). */
  @Override
  public long count() {
    return offsets()[offsets.length - 1];
  }

  @Override
  public List<String> classNames() {
    return null;
  }

  private long[] offsets() {
    if (offsets == null) {
      List<Long> sizes =
          df.javaRDD()
              .mapPartitions(
                  it -> {
                    long n = 0;
                    for (; it.hasNext(); it.next()) {
                      n++;
                    }
                    return Collections.singletonList(n).iterator();
                  })
              .collect();
      long[] o = new long[sizes.size() + 1];
      for (int p = 0; p < sizes.size(); p++) {
        o[p + 1] = o[p] + sizes.get(p);
      }
      offsets = o;
    }
    return offsets;
  }

  /** One decoded row on its way to its partition. */
  record LabeledPixels(long id, int[] label, byte[] pixels) implements Serializable {}

  @Override
  public JavaRDD<ImageBlock> blocks(long from, long to, int partitions) {
    long[] start = offsets();
    long[] bounds = RowRanges.bounds(from, to, partitions);
    ImageColumns cols = columns;
    LabelColumn labelCol = labels;
    ModelInput in = columns.input();
    return df.javaRDD()
        .mapPartitionsWithIndex(
            (p, rows) -> decoded(rows, start[p], from, to, cols, labelCol), true)
        .mapToPair(r -> new Tuple2<>(r.id(), r))
        .partitionBy(new IdRangePartitioner(bounds))
        .mapPartitionsWithIndex(
            (p, it) ->
                Collections.singletonList(assemble(it, bounds[p], bounds[p + 1], in)).iterator(),
            true);
  }

  /** Lazily decodes the rows whose id is in [from, to); the others are skipped unread. */
  private static Iterator<LabeledPixels> decoded(
      Iterator<Row> rows, long firstId, long from, long to, ImageColumns cols, LabelColumn lc) {
    return new Iterator<>() {
      long id = firstId;
      LabeledPixels next;

      @Override
      public boolean hasNext() {
        while (next == null && rows.hasNext() && id < to) {
          Row row = rows.next();
          long rowId = id++;
          if (rowId >= from) {
            byte[] pixels = new byte[cols.input().imageSize()];
            cols.decodeImage(row, rowId, pixels, 0);
            int[] label = new int[lc.targets().storedWidth()];
            lc.read(row, rowId, label, 0);
            next = new LabeledPixels(rowId, label, pixels);
          }
        }
        return next != null;
      }

      @Override
      public LabeledPixels next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        LabeledPixels r = next;
        next = null;
        return r;
      }
    };
  }

  private static ImageBlock assemble(
      Iterator<Tuple2<Long, LabeledPixels>> it, long start, long end, ModelInput in) {
    int n = (int) (end - start);
    int size = in.imageSize();
    byte[] pixels = new byte[n * size];
    int w = in.targets().storedWidth();
    int[] labels = new int[n * w];
    long[] ids = new long[n];
    int filled = 0;
    while (it.hasNext()) {
      LabeledPixels r = it.next()._2();
      int i = (int) (r.id() - start);
      System.arraycopy(r.pixels(), 0, pixels, i * size, size);
      System.arraycopy(r.label(), 0, labels, i * w, w);
      ids[i] = r.id();
      filled++;
    }
    if (filled != n) {
      throw new IllegalStateException(
          ErrorText.problem("the DataFrame changed between two reads")
              .in("rows " + start + ".." + (end - 1))
              .received(filled + " rows")
              .expected(String.valueOf(n))
              .hint("cache it, or read a fixed snapshot")
              .text());
    }
    return new ImageBlock(in.height(), in.width(), in.channels(), pixels, labels, ids, w);
  }

  /** Sends row id i to the partition whose range [bounds[p], bounds[p + 1]) holds it. */
  static final class IdRangePartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final long[] bounds;

    IdRangePartitioner(long[] bounds) {
      this.bounds = bounds;
    }

    @Override
    public int numPartitions() {
      return bounds.length - 1;
    }

    @Override
    public int getPartition(Object key) {
      return RowRanges.partitionOf(bounds, (Long) key);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof IdRangePartitioner other && Arrays.equals(bounds, other.bounds);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bounds);
    }
  }
}
