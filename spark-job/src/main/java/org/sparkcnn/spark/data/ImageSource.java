package org.sparkcnn.spark.data;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.sparkcnn.datasets.SkippedFile;
import org.sparkcnn.spark.ImageBlock;

/**
 * Labelled images with global row ids 0..count-1 in the source's own order (file order, folder
 * order, DataFrame order), readable as {@link ImageBlock}s for any contiguous range of ids.
 *
 * <p>Order of calls: open the source (checks what can be checked on the driver: columns, files,
 * headers, labels) → {@link #count} → {@link #blocks} for the ranges wanted (training, validation).
 */
public interface ImageSource {
  /** One line for logs and errors, e.g. "IDX data/fashion-mnist/train (60000 images)". */
  String describe();

  long count();

  /** Class names in label order, when the source knows them (image folders, Fashion-MNIST). */
  List<String> classNames();

  /** Files left out as bad, with their reasons (image folders read with bad_files = skip). */
  default List<SkippedFile> skipped() {
    return List.of();
  }

  /**
   * Rows [from, to) cut into {@code partitions} contiguous ranges ({@link RowRanges}), one {@link
   * ImageBlock} per partition (possibly empty), rows in source order. Not cached.
   */
  JavaRDD<ImageBlock> blocks(long from, long to, int partitions);
}
