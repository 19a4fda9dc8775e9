package org.sparkcnn.spark.ml;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * The logical plan that scores rows in batches on Spark's internal rows, for {@code transform} and
 * for the batched SQL functions: the child's columns to keep (the image among them) are packed into
 * one struct per row, a map-partitions node runs an {@link InternalRowScorer} over each partition's
 * structs, and its output is one struct per row: the packed columns, then the added ones. Callers
 * pick the fields they want with {@link SparkInternals#field}. No row is converted to an external
 * {@code Row}, and the plan stays a plan (explain, caching and planning as usual), not a
 * precomputed RDD.
 */
final class BatchScoringPlan {
  private BatchScoringPlan() {}

  /**
   * The scoring node over {@code child}.
   *
   * @param columns the columns packed per row (expressions over the child's output); the plan's
   *     image column is found among them by name
   * @param added the fields the scorer adds (prediction, probability, [label], error)
   * @param idType the type of the plan's id column, or null
   */
  static LogicalPlan scored(
      LogicalPlan child,
      List<? extends Expression> columns,
      Scorer.Plan plan,
      DataType idType,
      Broadcast<float[]> weights,
      StructType added) {
    StructType out = SparkInternals.structType(columns);
    for (StructField f : added.fields()) {
      out = out.add(f);
    }
    return SparkInternals.mapPartitions(
        child, columns, out, new ScorePartition(plan, idType, weights));
  }

  /** The function run per partition: Spark's rows in, scored rows out. */
  private record ScorePartition(Scorer.Plan plan, DataType idType, Broadcast<float[]> weights)
      implements SparkInternals.PartitionFunction<InternalRow, InternalRow> {
    @Override
    public Iterator<InternalRow> apply(Iterator<InternalRow> rows) {
      return new InternalRowScorer(
          rows, plan, idType, weights.value(), TaskContext.getPartitionId());
    }

    /** What EXPLAIN shows (the record's own text would hold the whole model spec). */
    @Override
    public String toString() {
      return "spark-cnn scoring (batch "
          + plan.batch()
          + ", image "
          + plan.columns().kind()
          + (plan.strict() ? ", strict" : "")
          + ")";
    }
  }
}
