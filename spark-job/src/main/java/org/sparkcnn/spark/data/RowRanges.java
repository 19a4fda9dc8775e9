package org.sparkcnn.spark.data;

import java.util.ArrayList;
import java.util.List;
import org.sparkcnn.core.errors.ErrorText;

/**
 * How a range of global row ids [from, to) is cut into P contiguous partitions: partition p holds
 * ids [from + n * p / P, from + n * (p + 1) / P) with n = to - from. Sizes differ by at most one;
 * with fewer rows than partitions some partitions are empty, which the trainer accepts (they
 * contribute nothing to any step).
 */
public final class RowRanges {
  private RowRanges() {}

  /** P + 1 boundaries; partition p is [bounds[p], bounds[p + 1]). */
  public static long[] bounds(long from, long to, int partitions) {
    if (partitions <= 0) {
      throw ErrorText.problem("invalid partitions")
          .received(partitions)
          .expected("a positive integer")
          .illegalArgument();
    }
    long n = to - from;
    long[] b = new long[partitions + 1];
    for (int p = 0; p <= partitions; p++) {
      b[p] = from + n * p / partitions;
    }
    return b;
  }

  /** The partitions' ranges as {start, end} pairs, for parallelize(). */
  public static List<long[]> pairs(long from, long to, int partitions) {
    long[] b = bounds(from, to, partitions);
    List<long[]> out = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      out.add(new long[] {b[p], b[p + 1]});
    }
    return out;
  }

  /** The partition of id in bounds (binary search). */
  public static int partitionOf(long[] bounds, long id) {
    int lo = 0;
    int hi = bounds.length - 2;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (bounds[mid] <= id) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
}
