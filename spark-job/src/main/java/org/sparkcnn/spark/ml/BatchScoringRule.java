package org.sparkcnn.spark.ml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.AttributeSet$;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GetStructField;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.MapPartitions;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.data.ImageColumns;
import scala.Option;
import scala.PartialFunction;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Scores the SQL functions of {@link CnnFunctions} in batches. A Java UDF sees one row at a
 * time, so each call would be a forward pass of one image; this optimizer rule finds the calls
 * in a projection ({@code SELECT id, fm(image), fm_proba(image) FROM images}) and replaces all
 * calls of one model on one image argument with a single batched pass over the partition (the
 * plan of {@link BatchScoringPlan}, as {@code transform} batches), whose output columns take the
 * calls' places. Only the columns the projection uses pass through
 * the pass; the image is dropped after it.
 *
 * <p>Results are those of the per-row functions: same outputs, same error texts for bad images.
 * Calls elsewhere (in a WHERE, GROUP BY or aggregate) and image arguments whose type no image
 * column can have stay per-row UDF calls.
 */
final class BatchScoringRule extends Rule<LogicalPlan> {
  /** What a registered function computes. */
  record Target(ImageUdf.Model model, ImageUdf.Output output) {}

  private static final String IMAGE = "__sparkcnn_image";
  private static final int BATCH = 256;
  // Keyed by the Scala function object Spark puts in each ScalaUDF of the function; weak, so a
  // function nobody can call any more does not keep its model's broadcast reachable.
  private static final Map<Object, Target> FUNCTIONS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private BatchScoringRule() {}

  /** Records what the UDF whose Scala function is {@code function} computes. */
  static void register(Object function, Target target) {
    FUNCTIONS.put(function, target);
  }

  /** Adds the rule to the session's optimizer, once. */
  static synchronized void install(org.apache.spark.sql.SparkSession session) {
    SparkSession spark = (SparkSession) session;
    Seq<Rule<LogicalPlan>> rules = spark.experimental().extraOptimizations();
    for (Rule<LogicalPlan> r : CollectionConverters.asJava(rules)) {
      if (r instanceof BatchScoringRule) {
        return;
      }
    }
    List<Rule<LogicalPlan>> more = new ArrayList<>(CollectionConverters.asJava(rules));
    more.add(new BatchScoringRule());
    spark.experimental().extraOptimizations_$eq(seq(more));
  }

  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    return plan.transformUp(PartialFunction.fromFunction(
        p -> p instanceof Project project ? rewrite(project) : p));
  }

  /** The projection with the calls of its first (model, image) group batched, or itself. */
  private LogicalPlan rewrite(Project project) {
    List<NamedExpression> list = CollectionConverters.asJava(project.projectList());
    List<ScalaUDF> calls = new ArrayList<>();
    for (NamedExpression e : list) {
      collectCalls((Expression) e, calls);
    }
    if (calls.isEmpty()) {
      return project;
    }
    ScalaUDF first = calls.get(0);
    ImageUdf.Model model = FUNCTIONS.get(first.function()).model();
    Expression image = first.children().head();
    List<ScalaUDF> group = new ArrayList<>();
    for (ScalaUDF u : calls) {
      if (FUNCTIONS.get(u.function()).model().key().equals(model.key())
          && u.children().head().semanticEquals(image)) {
        group.add(u);
      }
    }

    // The child's columns the projection reads besides the group's image argument.
    List<Attribute> needed = new ArrayList<>();
    AttributeSet used = AttributeSet$.MODULE$.empty();
    for (NamedExpression e : list) {
      Expression rest = ((Expression) e).transformDown(PartialFunction.fromFunction(x ->
          x instanceof ScalaUDF u && group.contains(u) ? Literal.create(null, u.dataType()) : x));
      used = used.$plus$plus(rest.references());
    }
    for (Attribute a : CollectionConverters.asJava(project.child().output())) {
      if (used.contains(a)) {
        needed.add(a);
      }
    }
    List<Expression> packed = new ArrayList<>(needed);
    packed.add(BatchScoringPlan.alias(image, IMAGE, Option.empty()));
    ImageColumns columns;
    try {
      columns = ImageColumns.of(BatchScoringPlan.rowType(packed), IMAGE, null, model.input())
          .withImageSource("SQL function argument");
    } catch (DatasetException e) {
      return project; // not an image type: the per-row functions report it row by row
    }
    Scorer.Plan plan = new Scorer.Plan(model.spec(), columns, model.classNames(), BATCH, false,
        -1, null, false);
    int keep = needed.size();
    StructType added = new StructType().add("prediction", DataTypes.IntegerType, true)
        .add("probability", DataTypes.createArrayType(DataTypes.FloatType, false), true);
    if (model.classNames() != null) {
      added = added.add("predicted_label", DataTypes.StringType, true);
    }
    added = added.add("error", DataTypes.StringType, true);
    MapPartitions batched = BatchScoringPlan.scored(project.child(), packed, plan, null,
        model.weights(), added);
    // The image (field `keep`) is not taken out again.
    List<Expression> outputs = new ArrayList<>();
    for (int k = 0; k < keep + 1 + added.size(); k++) {
      outputs.add(k == keep ? null : new GetStructField(batched.outputObjAttr(), k,
          Option.empty()));
    }

    List<NamedExpression> newList = new ArrayList<>();
    for (NamedExpression e : list) {
      // Top-down: a call is replaced before its argument's attributes are.
      Expression mapped = ((Expression) e).transformDown(PartialFunction.fromFunction(x -> {
        if (x instanceof ScalaUDF u && group.contains(u)) {
          return outputs.get(keep + 1 + outputIndex(FUNCTIONS.get(u.function()).output(),
              model.classNames() != null));
        }
        if (x instanceof AttributeReference a) {
          for (int k = 0; k < keep; k++) {
            if (needed.get(k).exprId().equals(a.exprId())) {
              return outputs.get(k);
            }
          }
        }
        return x;
      }));
      if (e instanceof Attribute a) {
        // Parents refer to the column by its id: keep it under the new column.
        mapped = new Alias(mapped, a.name(), a.exprId(), a.qualifier(),
            Option.apply(a.metadata()), seq(List.of()));
      }
      newList.add((NamedExpression) mapped);
    }
    List<ScalaUDF> left = new ArrayList<>();
    for (NamedExpression e : newList) {
      collectCalls((Expression) e, left);
    }
    if (left.size() != calls.size() - group.size()) {
      // Never expected; without this check the optimizer would apply the rule again and again.
      throw new IllegalStateException("spark-cnn could not batch the SQL function calls in "
          + project.simpleString(200) + "; received " + left.size() + " calls left of "
          + calls.size() + ", expected " + (calls.size() - group.size()));
    }
    return new Project(seq(newList), batched);
  }

  private static int outputIndex(ImageUdf.Output output, boolean labels) {
    return switch (output) {
      case PREDICTION -> 0;
      case PROBABILITY -> 1;
      case LABEL -> 2;
      case ERROR -> labels ? 3 : 2;
    };
  }

  private static void collectCalls(Expression e, List<ScalaUDF> calls) {
    if (e instanceof ScalaUDF u && FUNCTIONS.containsKey(u.function())
        && u.children().size() == 1) {
      calls.add(u);
    }
    for (Expression c : CollectionConverters.asJava(e.children())) {
      collectCalls(c, calls);
    }
  }

  private static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }
}
