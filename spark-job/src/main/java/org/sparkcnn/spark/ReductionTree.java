package org.sparkcnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.sparkcnn.core.errors.ErrorText;

/**
 * The one order in which a step's partition results are added, whatever the topology: a fixed
 * binary tree over the partition indices {@code [0, P)}. A node {@code [from, to)} of more than one
 * partition is the sum {@code left + right} of its children {@code [from, mid)} and {@code [mid,
 * to)}, where {@code mid - from} is the largest power of two below {@code to - from}. Float
 * addition is commutative but not associative, so fixing the tree fixes every bit of the result.
 *
 * <p>Why a tree and not the partitions left to right: every topology can reproduce it. A JVM that
 * holds every partition of a node computes that node and sends one vector for it; a JVM that holds
 * only some sends the largest nodes it holds whole ({@link #cover}); whoever completes the tree
 * (the driver, or a parameter shard's owner for its slice) adds exactly the same pairs. Which
 * partitions Spark places on which executor changes only how many vectors travel, never the bits.
 * With power-of-two left subtrees, every aligned run of 2^k partitions is one node: an executor
 * that holds partitions 4-7 sends their sum as one vector.
 *
 * <p>The loss, count and correct sums follow the same tree, so the history is topology-independent
 * too.
 */
final class ReductionTree {
  private ReductionTree() {}

  /** Where node {@code [from, to)} splits: {@code from} plus the largest power of two below n. */
  static int split(int from, int to) {
    return from + Integer.highestOneBit(to - from - 1);
  }

  /**
   * The largest nodes of the tree over {@code [0, partitions)} whose partitions are all in {@code
   * held}, in partition order: what a JVM holding {@code held} can add up on its own.
   */
  static List<int[]> cover(int partitions, boolean[] held) {
    List<int[]> out = new ArrayList<>();
    cover(0, partitions, held, out);
    return out;
  }

  private static boolean cover(int from, int to, boolean[] held, List<int[]> out) {
    if (to - from == 1) {
      if (held[from]) {
        out.add(new int[] {from, to});
        return true;
      }
      return false;
    }
    int mark = out.size();
    int mid = split(from, to);
    boolean left = cover(from, mid, held, out);
    boolean right = cover(mid, to, held, out);
    if (left && right) {
      // Both halves whole: replace them by this node.
      out.subList(mark, out.size()).clear();
      out.add(new int[] {from, to});
      return true;
    }
    return false;
  }

  /**
   * Adds {@code parts} (nodes of the tree whose union is node {@code [from, to)}, in any order)
   * into node {@code [from, to)}. Works in place: a left child's buffer becomes the parent's, so
   * the inputs' buffers are overwritten; the result's buffer is the leftmost part's.
   *
   * @throws IllegalArgumentException when the parts are not such a cover (missing, overlapping or
   *     misaligned ranges)
   */
  static PartialSum reduce(List<PartialSum> parts, int from, int to) {
    PartialSum[] byFrom = new PartialSum[to - from];
    for (PartialSum p : parts) {
      if (p.from() < from || p.to() > to || p.from() >= p.to() || byFrom[p.from() - from] != null) {
        throw new IllegalArgumentException(
            "partial sum over partitions ["
                + p.from()
                + ", "
                + p.to()
                + ") does not fit the reduction of ["
                + from
                + ", "
                + to
                + ")");
      }
      byFrom[p.from() - from] = p;
    }
    return node(byFrom, from, from, to);
  }

  private static PartialSum node(PartialSum[] byFrom, int base, int from, int to) {
    PartialSum whole = byFrom[from - base];
    if (whole != null && whole.to() == to) {
      return whole;
    }
    if (to - from == 1 || (whole != null && whole.to() > to)) {
      throw ErrorText.problem(
              "no partial sum covers partitions ["
                  + from
                  + ", "
                  + to
                  + ") of the canonical reduction tree")
          .received(
              whole == null
                  ? "none starting at " + from
                  : "[" + whole.from() + ", " + whole.to() + ")")
          .expected("one partial sum per node of the tree")
          .illegalArgument();
    }
    int mid = split(from, to);
    PartialSum left = node(byFrom, base, from, mid);
    PartialSum right = node(byFrom, base, mid, to);
    return add(left, right);
  }

  /** left + right (adjacent nodes), into left's buffer. */
  static PartialSum add(PartialSum left, PartialSum right) {
    float[] a = left.gradientSum();
    float[] b = right.gradientSum();
    if (a.length != b.length) {
      throw ErrorText.problem("partial sums of different lengths")
          .received(a.length + " and " + b.length + " floats")
          .expected("equal")
          .illegalArgument();
    }
    return add(left, right, 0, a.length);
  }

  /**
   * left + right (adjacent nodes) over the gradients' elements {@code [lo, hi)} only, into left's
   * buffer: the same additions as {@link #add(PartialSum, PartialSum)} on the part of the vector a
   * sharded exchange holds.
   */
  static PartialSum add(PartialSum left, PartialSum right, int lo, int hi) {
    float[] a = left.gradientSum();
    float[] b = right.gradientSum();
    if (lo < 0 || hi < lo || hi > a.length || hi > b.length) {
      throw ErrorText.problem("a range outside the partial sums")
          .received("[" + lo + ", " + hi + ") of " + a.length + " and " + b.length + " floats")
          .expected("a range inside both")
          .illegalArgument();
    }
    for (int i = lo; i < hi; i++) {
      a[i] += b[i];
    }
    return new PartialSum(
        left.from(),
        right.to(),
        a,
        left.lossSum() + right.lossSum(),
        left.count() + right.count(),
        left.correct() + right.correct(),
        Math.max(left.slowestComputeNanos(), right.slowestComputeNanos()));
  }

  /** Whether {@code [from, to)} is a node of the tree over {@code [0, partitions)}. */
  static boolean isNode(int partitions, int from, int to) {
    int lo = 0;
    int hi = partitions;
    while (lo != from || hi != to) {
      if (hi - lo == 1) {
        return false;
      }
      int mid = split(lo, hi);
      if (to <= mid) {
        hi = mid;
      } else if (from >= mid) {
        lo = mid;
      } else {
        return false;
      }
    }
    return true;
  }

  /**
   * Adds, over the gradients' elements {@code [lo, hi)}, every two of {@code nodes} that are the
   * two children of one node of the tree over {@code [0, partitions)} (left + right into left's
   * buffer, as {@link #reduce} would), and their sums in turn, until no two are siblings: the
   * result is the {@link #cover} of the partitions the nodes hold. Adding siblings early is the
   * same float addition the complete reduction makes, so whoever merges them, the bits do not
   * change. {@code nodes} must be disjoint and in partition order; {@code consumed} receives the
   * buffer of every right child added (its values are no longer needed).
   */
  static List<PartialSum> merge(
      List<PartialSum> nodes, int partitions, int lo, int hi, Consumer<float[]> consumed) {
    List<PartialSum> merged = new ArrayList<>();
    for (PartialSum node : nodes) {
      PartialSum right = node;
      while (!merged.isEmpty()) {
        PartialSum left = merged.get(merged.size() - 1);
        // Two adjacent nodes whose union is a node are its two children.
        if (left.to() != right.from() || !isNode(partitions, left.from(), right.to())) {
          break;
        }
        merged.remove(merged.size() - 1);
        PartialSum sum = add(left, right, lo, hi);
        consumed.accept(right.gradientSum());
        right = sum;
      }
      merged.add(right);
    }
    return merged;
  }
}
