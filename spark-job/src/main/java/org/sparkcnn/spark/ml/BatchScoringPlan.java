package org.sparkcnn.spark.ml;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.CreateNamedStruct;
import org.apache.spark.sql.catalyst.expressions.CreateStruct$;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GetStructField;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.MapPartitions;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The logical plan that scores rows in batches on Spark's internal rows, for {@code transform} and
 * for the batched SQL functions: the child's columns to keep (the image among them) are packed into
 * one struct per row, a {@link MapPartitions} runs an {@link InternalRowScorer} over each
 * partition's structs, and its output is one struct per row: the packed columns, then the added
 * ones. Callers pick the fields they want with {@link #field}. No row is converted to an external
 * {@code Row}, and the plan stays a plan (explain, caching and planning as usual), not a
 * precomputed RDD.
 */
final class BatchScoringPlan {
  private BatchScoringPlan() {}

  /** The type of one packed row: the columns' names and types, in order. */
  static StructType rowType(List<? extends Expression> columns) {
    return packed(columns).dataType();
  }

  /**
   * The scoring node over {@code child}.
   *
   * @param columns the columns packed per row (expressions over the child's output); the plan's
   *     image column is found among them by name, as in {@link #rowType}
   * @param added the fields the scorer adds (prediction, probability, [label], error)
   * @param idType the type of the plan's id column, or null
   */
  static MapPartitions scored(
      LogicalPlan child,
      List<? extends Expression> columns,
      Scorer.Plan plan,
      DataType idType,
      Broadcast<float[]> weights,
      StructType added) {
    CreateNamedStruct row = packed(columns);
    Project packedRows =
        new Project(seq(List.of(alias(row, "__sparkcnn_row", Option.empty()))), child);
    StructType out = row.dataType();
    for (StructField f : added.fields()) {
      out = out.add(f);
    }
    Attribute scored =
        new AttributeReference(
            "__sparkcnn_scored",
            out,
            false,
            Metadata.empty(),
            NamedExpression$.MODULE$.newExprId(),
            seq(List.of()));
    return new MapPartitions(new ScorePartition(plan, idType, weights), scored, packedRows);
  }

  /** Field {@code k} of the scored struct, as a column named {@code name}. */
  static NamedExpression field(MapPartitions scored, int k, String name, Metadata metadata) {
    return alias(
        new GetStructField(scored.outputObjAttr(), k, Option.empty()),
        name,
        Option.apply(metadata));
  }

  static Alias alias(Expression e, String name, Option<Metadata> metadata) {
    return new Alias(
        e, name, NamedExpression$.MODULE$.newExprId(), seq(List.of()), metadata, seq(List.of()));
  }

  static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }

  private static CreateNamedStruct packed(List<? extends Expression> columns) {
    return CreateStruct$.MODULE$.apply(seq(List.copyOf(columns)));
  }

  /** The function MapPartitions runs per partition: Spark's rows in, scored rows out. */
  private record ScorePartition(Scorer.Plan plan, DataType idType, Broadcast<float[]> weights)
      implements scala.Function1<
              scala.collection.Iterator<Object>, scala.collection.Iterator<Object>>,
          Serializable {
    @Override
    @SuppressWarnings("unchecked")
    public scala.collection.Iterator<Object> apply(scala.collection.Iterator<Object> rows) {
      java.util.Iterator<InternalRow> in =
          (java.util.Iterator<InternalRow>)
              (java.util.Iterator<?>) CollectionConverters.asJava(rows);
      java.util.Iterator<Object> out =
          (java.util.Iterator<Object>)
              (java.util.Iterator<?>)
                  new InternalRowScorer(
                      in, plan, idType, weights.value(), TaskContext.getPartitionId());
      return CollectionConverters.asScala(out);
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
