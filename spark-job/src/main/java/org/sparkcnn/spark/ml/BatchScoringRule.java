package org.sparkcnn.spark.ml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.logging.Logger;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.compat.SparkInternals;
import org.sparkcnn.spark.compat.SparkInternals.NodeKind;
import org.sparkcnn.spark.data.ImageColumns;

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
final class BatchScoringRule {
  /** What a registered function computes. */
  record Target(ImageUdf.Model model, ImageUdf.Output output) {}

  private static final Logger LOG = Logger.getLogger(BatchScoringRule.class.getName());
  private static final String RULE = "spark-cnn batched SQL functions";
  private static final String IMAGE = "__sparkcnn_image";
  private static final int BATCH = 256;
  // Keyed by the Scala function object Spark puts in each call of the function; weak, so a
  // function nobody can call any more does not keep its model's broadcast reachable.
  private static final Map<Object, Target> FUNCTIONS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private BatchScoringRule() {}

  /** Records what the UDF whose Scala function is {@code function} computes. */
  static void register(Object function, Target target) {
    FUNCTIONS.put(function, target);
  }

  /** Adds the rule to the session's optimizer, once. */
  static void install(SparkSession session) {
    // Top-down, so that a Project is seen before the Filter below it (Group.find).
    SparkInternals.addOptimizerRule(session, RULE, BatchScoringRule::rewrite);
  }

  /**
   * The node with the calls of its first (model, image) group taken from a batched pass below it,
   * or the node itself. The pass outputs the child's columns the node needs, under their own ids
   * (so the node's other expressions stay valid), and one column per output.
   */
  static LogicalPlan rewrite(LogicalPlan node) {
    Group group = Group.find(node);
    if (group == null || !group.computableBelow()) {
      return node;
    }
    List<Attribute> passed = group.passedColumns();
    List<Expression> packed = new ArrayList<>(passed);
    packed.add(SparkInternals.alias(group.image(), IMAGE));
    ImageColumns columns = imageColumns(packed, group.model());
    if (columns == null) {
      return node; // not an image type: the per-row functions report it row by row
    }
    Pass pass = Pass.below(group, passed, packed, columns);
    LogicalPlan rewritten = group.replaceCalls(pass);
    if (!group.allReplacedIn(rewritten)) {
      return node;
    }
    // A Filter or Sort outputs its child's columns: hide the added ones again.
    return group.keepsChildOutput()
        ? SparkInternals.project(SparkInternals.output(group.child()), rewritten)
        : rewritten;
  }

  /**
   * The calls that one batched pass replaces: those of the first call's model on (an expression
   * semantically equal to) its image argument, in {@code chain}, the node and maybe the Filter
   * below it.
   *
   * @param calls every call of a registered function in the chain's nodes
   * @param batched the calls of the group, a subset of {@code calls}
   */
  private record Group(
      List<LogicalPlan> chain,
      ImageUdf.Model model,
      Expression image,
      List<Expression> calls,
      List<Expression> batched) {

    /**
     * The first group in {@code node}, or null. A Project directly over a Filter that calls the
     * same model on the same image (what Spark makes of {@code df.withColumn("p",
     * fm(image)).where("p = 2")}: it pushes the filter below the projection, repeating the call)
     * joins the group with the Filter: one pass below both.
     */
    static Group find(LogicalPlan node) {
      NodeKind kind = SparkInternals.kind(node);
      if (kind == NodeKind.OTHER) {
        return null;
      }
      List<Expression> calls = callsIn(node);
      if (calls.isEmpty()) {
        return null;
      }
      Expression first = calls.get(0);
      ImageUdf.Model model = target(first).model();
      Expression image = SparkInternals.argument(first);
      List<Expression> batched = sameGroup(calls, model, image);
      List<LogicalPlan> chain = new ArrayList<>(List.of(node));
      LogicalPlan below = SparkInternals.child(node);
      if (kind == NodeKind.PROJECT && SparkInternals.kind(below) == NodeKind.FILTER) {
        List<Expression> filterCalls = callsIn(below);
        List<Expression> filterGroup = sameGroup(filterCalls, model, image);
        if (!filterGroup.isEmpty()) {
          chain.add(below);
          calls.addAll(filterCalls);
          batched.addAll(filterGroup);
        }
      }
      return new Group(chain, model, image, calls, batched);
    }

    /** The node the pass goes over: the child of the chain's last node. */
    LogicalPlan child() {
      return SparkInternals.child(chain.get(chain.size() - 1));
    }

    /** Whether the chain's top node outputs its child's columns (a Filter or Sort). */
    boolean keepsChildOutput() {
      NodeKind kind = SparkInternals.kind(chain.get(0));
      return kind == NodeKind.FILTER || kind == NodeKind.SORT;
    }

    /**
     * Whether the image argument is a value of the child's row. A lambda's variable, an outer
     * query's column, an aggregate or window result cannot be computed below the node: such calls
     * stay per-row.
     */
    boolean computableBelow() {
      return SparkInternals.readsOnlyOutputOf(image, child()) && SparkInternals.isPerRow(image);
    }

    /**
     * The child's columns that pass through the pass: those the chain reads besides the group's
     * calls; all of them under a Filter or Sort, whose output is the child's.
     */
    List<Attribute> passedColumns() {
      if (keepsChildOutput()) {
        return SparkInternals.output(child());
      }
      List<Expression> expressions = new ArrayList<>();
      for (LogicalPlan n : chain) {
        expressions.addAll(SparkInternals.expressions(n));
      }
      return SparkInternals.outputReadBy(child(), expressions, batched::contains);
    }

    /** The chain over the pass, each of the group's calls replaced by the pass's output column. */
    LogicalPlan replaceCalls(Pass pass) {
      boolean labels = model.classNames() != null;
      LogicalPlan rewritten = pass.plan;
      for (int i = chain.size() - 1; i >= 0; i--) {
        rewritten =
            SparkInternals.withExpressionsAndChild(
                chain.get(i),
                // Top-down: a call is replaced before its argument is visited.
                x ->
                    batched.contains(x)
                        ? pass.outputs.get(outputIndex(target(x).output(), labels))
                        : x,
                rewritten);
      }
      return rewritten;
    }

    /**
     * Whether exactly the group's calls are gone from {@code rewritten}'s chain. Never expected to
     * fail; if it does, the node is left as it was: the query stays correct (per-row calls) and the
     * optimizer does not apply the rule again and again.
     */
    boolean allReplacedIn(LogicalPlan rewritten) {
      int left = 0;
      LogicalPlan n = rewritten;
      for (int i = 0; i < chain.size(); i++, n = SparkInternals.child(n)) {
        left += callsIn(n).size();
      }
      int expected = calls.size() - batched.size();
      if (left != expected) {
        LOG.warning(
            "spark-cnn could not batch the SQL function calls in "
                + SparkInternals.describe(chain.get(0))
                + ": "
                + left
                + " calls were left of "
                + calls.size()
                + ", expected "
                + expected
                + "; they run per row");
      }
      return left == expected;
    }
  }

  /**
   * The batched pass below a group: the packed columns scored per partition, then the passed
   * columns under their own ids and one column per output (the image, packed last, is not taken out
   * again).
   *
   * @param outputs prediction, probability, rawPrediction, [predicted label], error
   */
  private record Pass(LogicalPlan plan, List<Attribute> outputs) {
    static Pass below(
        Group group, List<Attribute> passed, List<Expression> packed, ImageColumns columns) {
      ImageUdf.Model model = group.model();
      Scorer.Plan plan =
          new Scorer.Plan(
              model.spec(), columns, model.classNames(), BATCH, false, -1, null, false, true);
      StructType added = addedColumns(model);
      LogicalPlan scored =
          BatchScoringPlan.scored(group.child(), packed, plan, null, model.weights(), added);
      int keep = passed.size();
      List<NamedExpression> columnsOut = new ArrayList<>();
      for (int k = 0; k < keep; k++) {
        columnsOut.add(SparkInternals.sameColumn(scored, k, passed.get(k)));
      }
      List<Attribute> outputs = new ArrayList<>();
      for (int j = 0; j < added.size(); j++) {
        NamedExpression out =
            SparkInternals.field(
                scored, keep + 1 + j, "__sparkcnn_" + added.fields()[j].name(), null);
        columnsOut.add(out);
        outputs.add(SparkInternals.attribute(out));
      }
      return new Pass(SparkInternals.project(columnsOut, scored), outputs);
    }
  }

  /** The columns the scorer adds for the SQL functions (arrays, not ML vectors). */
  private static StructType addedColumns(ImageUdf.Model model) {
    StructType added =
        new StructType()
            .add("prediction", model.kind().predictionType(), true)
            .add("probability", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("rawPrediction", DataTypes.createArrayType(DataTypes.FloatType, false), true);
    if (model.classNames() != null) {
      added = added.add("predicted_label", model.kind().labelType(), true);
    }
    return added.add("error", DataTypes.StringType, true);
  }

  /** How the scorer reads the packed image, or null when its type is no image column's. */
  private static ImageColumns imageColumns(List<Expression> packed, ImageUdf.Model model) {
    try {
      return ImageColumns.of(SparkInternals.structType(packed), IMAGE, null, model.input())
          .withImageSource("SQL function argument");
    } catch (DatasetException e) {
      return null;
    }
  }

  private static Target target(Expression call) {
    return FUNCTIONS.get(SparkInternals.calledFunction(call));
  }

  /** The calls of registered functions in the node's own expressions, in order. */
  private static List<Expression> callsIn(LogicalPlan node) {
    List<Expression> calls = new ArrayList<>();
    for (Expression e : SparkInternals.expressions(node)) {
      collectCalls(e, calls);
    }
    return calls;
  }

  private static void collectCalls(Expression e, List<Expression> calls) {
    Object function = SparkInternals.calledFunction(e);
    if (function != null && FUNCTIONS.containsKey(function)) {
      calls.add(e);
    }
    for (Expression c : SparkInternals.children(e)) {
      collectCalls(c, calls);
    }
  }

  /** The calls of the model on (an expression semantically equal to) the image. */
  private static List<Expression> sameGroup(
      List<Expression> calls, ImageUdf.Model model, Expression image) {
    List<Expression> group = new ArrayList<>();
    for (Expression u : calls) {
      if (target(u).model().key().equals(model.key())
          && SparkInternals.semanticEquals(SparkInternals.argument(u), image)) {
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
}
