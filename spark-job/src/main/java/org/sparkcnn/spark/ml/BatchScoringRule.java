package org.sparkcnn.spark.ml;

import static org.sparkcnn.spark.ml.BatchScoringPlan.seq;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.logging.Logger;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.AttributeSet$;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GetStructField;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedLambdaVariable;
import org.apache.spark.sql.catalyst.expressions.OuterReference;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.catalyst.expressions.WindowExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.expressions.objects.LambdaVariable;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.MapPartitions;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
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
 * Scores the SQL functions of {@link CnnFunctions} in batches. A Java UDF sees one row at a time,
 * so each call would be a forward pass of one image; this optimizer rule finds the calls in a
 * Project, Filter, Sort or Aggregate ({@code SELECT id, fm(image), fm_proba(image) FROM images},
 * {@code WHERE fm(image) = 2}, {@code ORDER BY}, {@code GROUP BY}) and replaces all calls of one
 * model on one image argument with a single batched pass over each partition below the node (the
 * plan of {@link BatchScoringPlan}, as {@code transform} batches), whose output columns take the
 * calls' places. Only the child's columns the node uses pass through the pass (all of them under a
 * Filter or Sort); the image argument is not taken out again.
 *
 * <p>Results are those of the per-row functions: same outputs, same error texts for bad images
 * (plus the row's partition and index). Calls in other nodes (join conditions, windows) and image
 * arguments whose type no image column can have stay per-row UDF calls.
 */
final class BatchScoringRule extends Rule<LogicalPlan> {
  /** What a registered function computes. */
  record Target(ImageUdf.Model model, ImageUdf.Output output) {}

  private static final Logger LOG = Logger.getLogger(BatchScoringRule.class.getName());
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
    // Top-down, so that a Project is seen before the Filter below it (next method).
    return plan.transformDown(
        PartialFunction.fromFunction(
            p ->
                p instanceof Project
                        || p instanceof Filter
                        || p instanceof Sort
                        || p instanceof Aggregate
                    ? rewrite(p)
                    : p));
  }

  /**
   * The node with the calls of its first (model, image) group taken from a batched pass below it,
   * or the node itself. The pass outputs the child's columns the node needs, under their own ids
   * (so the node's other expressions stay valid), and one column per output.
   *
   * <p>A Project directly over a Filter that calls the same model on the same image (what Spark
   * makes of {@code df.withColumn("p", fm(image)).where("p = 2")}: it pushes the filter below the
   * projection, repeating the call) is rewritten with the Filter: one pass below both.
   */
  private LogicalPlan rewrite(LogicalPlan node) {
    List<ScalaUDF> calls = callsIn(node);
    if (calls.isEmpty()) {
      return node;
    }
    ScalaUDF first = calls.get(0);
    ImageUdf.Model model = FUNCTIONS.get(first.function()).model();
    Expression image = first.children().head();
    List<ScalaUDF> group = sameGroup(calls, model, image);
    List<LogicalPlan> chain = new ArrayList<>(List.of(node));
    if (node instanceof Project && node.children().head() instanceof Filter filter) {
      List<ScalaUDF> filterCalls = sameGroup(callsIn(filter), model, image);
      if (!filterCalls.isEmpty()) {
        chain.add(filter);
        calls.addAll(callsIn(filter));
        group.addAll(filterCalls);
      }
    }
    LogicalPlan child = chain.get(chain.size() - 1).children().head();
    if (!image.references().subsetOf(child.outputSet()) || !perRow(image)) {
      // The argument is not a value of the child's row (a lambda's variable, an outer query's
      // column, an aggregate or window result): it cannot be computed below the node. Such
      // calls stay per-row.
      return node;
    }
    List<Expression> expressions = new ArrayList<>();
    for (LogicalPlan n : chain) {
      expressions.addAll(CollectionConverters.asJava(n.expressions()));
    }
    // The child's columns that pass: those the node reads besides the group's image argument;
    // all of them under a Filter or Sort, whose output is the child's.
    boolean keepsChildOutput = node instanceof Filter || node instanceof Sort;
    AttributeSet used = AttributeSet$.MODULE$.empty();
    for (Expression e : expressions) {
      Expression rest =
          e.transformDown(
              PartialFunction.fromFunction(
                  x ->
                      x instanceof ScalaUDF u && group.contains(u)
                          ? Literal.create(null, u.dataType())
                          : x));
      used = used.$plus$plus(rest.references());
    }
    List<Attribute> needed = new ArrayList<>();
    for (Attribute a : CollectionConverters.asJava(child.output())) {
      if (keepsChildOutput || used.contains(a)) {
        needed.add(a);
      }
    }
    List<Expression> packed = new ArrayList<>(needed);
    packed.add(BatchScoringPlan.alias(image, IMAGE, Option.empty()));
    ImageColumns columns;
    try {
      columns =
          ImageColumns.of(BatchScoringPlan.rowType(packed), IMAGE, null, model.input())
              .withImageSource("SQL function argument");
    } catch (DatasetException e) {
      return node; // not an image type: the per-row functions report it row by row
    }
    Scorer.Plan plan =
        new Scorer.Plan(
            model.spec(), columns, model.classNames(), BATCH, false, -1, null, false, true);
    int keep = needed.size();
    StructType added =
        new StructType()
            .add("prediction", model.kind().predictionType(), true)
            .add("probability", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("rawPrediction", DataTypes.createArrayType(DataTypes.FloatType, false), true);
    if (model.classNames() != null) {
      added = added.add("predicted_label", model.kind().labelType(), true);
    }
    added = added.add("error", DataTypes.StringType, true);
    MapPartitions batched =
        BatchScoringPlan.scored(child, packed, plan, null, model.weights(), added);

    // The pass's columns: the needed ones under their own ids, then the outputs (the image,
    // field `keep`, is not taken out again).
    List<NamedExpression> passed = new ArrayList<>();
    for (int k = 0; k < keep; k++) {
      Attribute a = needed.get(k);
      passed.add(
          new Alias(
              new GetStructField(batched.outputObjAttr(), k, Option.empty()),
              a.name(),
              a.exprId(),
              a.qualifier(),
              Option.apply(a.metadata()),
              seq(List.of())));
    }
    List<Attribute> outputs = new ArrayList<>();
    for (int j = 0; j < added.size(); j++) {
      Alias out =
          BatchScoringPlan.alias(
              new GetStructField(batched.outputObjAttr(), keep + 1 + j, Option.empty()),
              "__sparkcnn_" + added.fields()[j].name(),
              Option.empty());
      passed.add(out);
      outputs.add(out.toAttribute());
    }
    Project pass = new Project(seq(passed), batched);

    // Top-down: a call is replaced before its argument is visited.
    PartialFunction<Expression, Expression> toOutputs =
        PartialFunction.fromFunction(
            x ->
                x instanceof ScalaUDF u && group.contains(u)
                    ? outputs.get(
                        outputIndex(
                            FUNCTIONS.get(u.function()).output(), model.classNames() != null))
                    : x);
    LogicalPlan rewritten = pass;
    for (int i = chain.size() - 1; i >= 0; i--) {
      rewritten =
          chain.get(i).transformExpressionsDown(toOutputs).withNewChildren(seq(List.of(rewritten)));
    }
    List<ScalaUDF> left = new ArrayList<>();
    LogicalPlan n = rewritten;
    for (int i = 0; i < chain.size(); i++, n = n.children().head()) {
      left.addAll(callsIn(n));
    }
    if (left.size() != calls.size() - group.size()) {
      // Never expected. Returning the node keeps the query correct (per-row calls) and keeps
      // the optimizer from applying the rule again and again.
      LOG.warning(
          "spark-cnn could not batch the SQL function calls in "
              + node.simpleString(200)
              + ": "
              + left.size()
              + " calls were left of "
              + calls.size()
              + ", expected "
              + (calls.size() - group.size())
              + "; they run per row");
      return node;
    }
    // A Filter or Sort outputs its child's columns: hide the added ones again.
    if (!keepsChildOutput) {
      return rewritten;
    }
    List<NamedExpression> childColumns = new ArrayList<>();
    for (Attribute a : CollectionConverters.asJava(child.output())) {
      childColumns.add(a);
    }
    return new Project(seq(childColumns), rewritten);
  }

  /**
   * Whether the expression is a function of one input row alone: no lambda variable, outer
   * reference, aggregate or window function in it.
   */
  private static boolean perRow(Expression e) {
    if (e instanceof NamedLambdaVariable
        || e instanceof LambdaVariable
        || e instanceof OuterReference
        || e instanceof AggregateExpression
        || e instanceof WindowExpression) {
      return false;
    }
    for (Expression c : CollectionConverters.asJava(e.children())) {
      if (!perRow(c)) {
        return false;
      }
    }
    return true;
  }

  private static List<ScalaUDF> callsIn(LogicalPlan node) {
    List<ScalaUDF> calls = new ArrayList<>();
    for (Expression e : CollectionConverters.asJava(node.expressions())) {
      collectCalls(e, calls);
    }
    return calls;
  }

  /** The calls of the model on (an expression semantically equal to) the image. */
  private static List<ScalaUDF> sameGroup(
      List<ScalaUDF> calls, ImageUdf.Model model, Expression image) {
    List<ScalaUDF> group = new ArrayList<>();
    for (ScalaUDF u : calls) {
      if (FUNCTIONS.get(u.function()).model().key().equals(model.key())
          && u.children().head().semanticEquals(image)) {
        group.add(u);
      }
    }
    return group;
  }

  private static int outputIndex(ImageUdf.Output output, boolean labels) {
    return switch (output) {
      case PREDICTION -> 0;
      case PROBABILITY -> 1;
      case RAW_PREDICTION -> 2;
      case LABEL -> 3;
      case ERROR -> labels ? 4 : 3;
    };
  }

  private static void collectCalls(Expression e, List<ScalaUDF> calls) {
    if (e instanceof ScalaUDF u
        && FUNCTIONS.containsKey(u.function())
        && u.children().size() == 1) {
      calls.add(u);
    }
    for (Expression c : CollectionConverters.asJava(e.children())) {
      collectCalls(c, calls);
    }
  }
}
