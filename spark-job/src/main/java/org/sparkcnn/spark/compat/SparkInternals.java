package org.sparkcnn.spark.compat;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.AttributeSet$;
import org.apache.spark.sql.catalyst.expressions.CreateStruct$;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.GetStructField;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.expressions.NamedLambdaVariable;
import org.apache.spark.sql.catalyst.expressions.OuterReference;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
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
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.classic.Dataset$;
import org.apache.spark.sql.expressions.SparkUserDefinedFunction;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Option;
import scala.PartialFunction;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Every use of Spark's internals in spark-cnn, one method each: the only class that may touch
 * {@code org.apache.spark.sql.catalyst} (beyond the row types below), {@code sql.classic}, {@code
 * SparkEnv} and its security manager, the scheduler methods Spark keeps to itself, and the Scala
 * function objects and class tags Java's API does not build for us. None of these is a stable Spark
 * API: they change between Spark releases without notice, so keeping them here makes an upgrade one
 * file to read. {@code SparkInternalsBoundaryTest} keeps the rest of the tree off them.
 *
 * <p>Types may pass through the rest of the code as values ({@link LogicalPlan}, {@link
 * Expression}, {@link Attribute}); every call on them is here. Reading {@link InternalRow}, {@code
 * ArrayData} and {@link UTF8String} is allowed everywhere: they are the row types of Spark's Data
 * Source V2 API.
 *
 * <p><b>On a Spark upgrade, re-check</b> (the tests that would fail name what broke):
 *
 * <ol>
 *   <li>Batched scoring plans ({@code transform}, {@code CnnFunctions}; ScoringTest,
 *       ClassifierColumnsTest): that {@link MapPartitions} still takes a Scala function over an
 *       iterator of {@link InternalRow}s with an object attribute, that {@code CreateStruct},
 *       {@link GetStructField} and {@link Alias} keep their constructors, and that {@code
 *       classic.Dataset} still exposes {@code logicalPlan()} and {@code Dataset.ofRows}.
 *   <li>The optimizer rule for the SQL functions: that {@code
 *       classic.SparkSession.experimental().extraOptimizations} still runs after Spark's own rules,
 *       that a registered function's calls are {@link ScalaUDF}s holding the same function object
 *       {@link SparkUserDefinedFunction#f} returned, that Spark still pushes a Filter below a
 *       Project by repeating the call, and that {@link #isPerRow}'s list of expressions that are
 *       not functions of one row (lambda variables, outer references, aggregates, windows) is
 *       complete.
 *   <li>Rows built for the scored columns: {@link JoinedRow}, {@link GenericInternalRow}, {@link
 *       UnsafeArrayData#fromPrimitiveArray}, {@link GenericArrayData}, and the ML vector type's
 *       internal form.
 *   <li>Barrier stages (DriverSyncRunner; SynchronousGuaranteeTest, TaskLossTest): {@code
 *       RDD.barrier().mapPartitions} with a Scala function and a class tag.
 *   <li>Cluster recovery (LocalClusterIT): {@code SparkContext.killAndReplaceExecutor}, {@code
 *       getExecutorIds} and {@code maxNumConcurrentTasks} (private[spark] in Scala, public in the
 *       bytecode; Spark's heartbeat receiver and barrier check use them).
 *   <li>SparkEnv (SyncChannelTest, SyncPortTest): the executor id and block manager host, and the
 *       security manager's {@code spark.authenticate} secret and encryption flag, from which the
 *       sync channel derives its key.
 * </ol>
 */
public final class SparkInternals {
  private SparkInternals() {}

  /** A function over one partition's rows, as Spark runs it inside a task. */
  @FunctionalInterface
  public interface PartitionFunction<T, R> extends Serializable {
    Iterator<R> apply(Iterator<T> rows);
  }

  /** A rewrite of one plan node: returns the node itself when there is nothing to do. */
  @FunctionalInterface
  public interface NodeRewrite {
    LogicalPlan rewrite(LogicalPlan node);
  }

  /** The kinds of plan node the batched SQL functions look into. */
  public enum NodeKind {
    PROJECT,
    FILTER,
    SORT,
    AGGREGATE,
    OTHER
  }

  // ---- 1. Batched scoring plans ----

  /** The logical plan behind a DataFrame. */
  public static LogicalPlan logicalPlan(Dataset<?> dataset) {
    return ((org.apache.spark.sql.classic.Dataset<?>) dataset).logicalPlan();
  }

  /** The DataFrame of a logical plan, in the session of {@code like}. */
  public static Dataset<Row> dataFrame(Dataset<?> like, LogicalPlan plan) {
    return Dataset$.MODULE$.ofRows(
        (org.apache.spark.sql.classic.SparkSession) like.sparkSession(), plan);
  }

  /** The columns a node outputs, in order. */
  public static List<Attribute> output(LogicalPlan node) {
    return CollectionConverters.asJava(node.output());
  }

  /** The node's only (first) child. */
  public static LogicalPlan child(LogicalPlan node) {
    return node.children().head();
  }

  /** The expressions of the node itself (not of its children). */
  public static List<Expression> expressions(LogicalPlan node) {
    return CollectionConverters.asJava(node.expressions());
  }

  /** What EXPLAIN shows for the node, cut at 200 characters. */
  public static String describe(LogicalPlan node) {
    return node.simpleString(200);
  }

  public static NodeKind kind(LogicalPlan node) {
    if (node instanceof Project) {
      return NodeKind.PROJECT;
    } else if (node instanceof Filter) {
      return NodeKind.FILTER;
    } else if (node instanceof Sort) {
      return NodeKind.SORT;
    } else if (node instanceof Aggregate) {
      return NodeKind.AGGREGATE;
    }
    return NodeKind.OTHER;
  }

  /** The type of one struct packed from {@code columns}: their names and types, in order. */
  public static StructType structType(List<? extends Expression> columns) {
    return CreateStruct$.MODULE$.apply(seq(List.copyOf(columns))).dataType();
  }

  /**
   * A node that packs {@code columns} (over {@code child}'s output) into one struct per row and
   * runs {@code f} over each partition's structs; it outputs one struct of type {@code outType} per
   * row, whose fields {@link #field} takes out. {@code f}'s {@code toString} is what EXPLAIN shows.
   */
  public static LogicalPlan mapPartitions(
      LogicalPlan child,
      List<? extends Expression> columns,
      StructType outType,
      PartitionFunction<InternalRow, InternalRow> f) {
    Expression packed = CreateStruct$.MODULE$.apply(seq(List.copyOf(columns)));
    Project packedRows = new Project(seq(List.of(newAlias(packed, "__sparkcnn_row"))), child);
    Attribute scored =
        new AttributeReference(
            "__sparkcnn_scored",
            outType,
            false,
            Metadata.empty(),
            NamedExpression$.MODULE$.newExprId(),
            seq(List.of()));
    // MapPartitions declares its function over Objects; the rows are InternalRows.
    @SuppressWarnings("unchecked")
    PartitionFunction<Object, Object> rows = (PartitionFunction<Object, Object>) (Object) f;
    return new MapPartitions(new ScalaFunction<>(rows), scored, packedRows);
  }

  /** Field {@code k} of the struct a {@link #mapPartitions} node outputs, as a new column. */
  public static NamedExpression field(LogicalPlan mapPartitions, int k, String name, Metadata m) {
    return new Alias(
        structField(mapPartitions, k),
        name,
        NamedExpression$.MODULE$.newExprId(),
        seq(List.of()),
        Option.apply(m),
        seq(List.of()));
  }

  /**
   * Field {@code k} of the struct a {@link #mapPartitions} node outputs, as the column {@code a}
   * itself: same name and id, so expressions above that read {@code a} stay valid.
   */
  public static NamedExpression sameColumn(LogicalPlan mapPartitions, int k, Attribute a) {
    return new Alias(
        structField(mapPartitions, k),
        a.name(),
        a.exprId(),
        a.qualifier(),
        Option.apply(a.metadata()),
        seq(List.of()));
  }

  /** {@code e} as a column named {@code name}, with a new id. */
  public static Expression alias(Expression e, String name) {
    return newAlias(e, name);
  }

  private static Alias newAlias(Expression e, String name) {
    return new Alias(
        e,
        name,
        NamedExpression$.MODULE$.newExprId(),
        seq(List.of()),
        Option.empty(),
        seq(List.of()));
  }

  /** The reference to the column a named expression defines. */
  public static Attribute attribute(NamedExpression column) {
    return column.toAttribute();
  }

  public static LogicalPlan project(List<? extends NamedExpression> columns, LogicalPlan child) {
    return new Project(seq(List.copyOf(columns)), child);
  }

  // ---- 2. The optimizer rule for the SQL functions ----

  /**
   * Adds, once per session, an optimizer rule named {@code name} that applies {@code rewrite} to
   * every node of every plan, top down (a node before its children).
   */
  public static synchronized void addOptimizerRule(
      SparkSession session, String name, NodeRewrite rewrite) {
    org.apache.spark.sql.classic.SparkSession spark =
        (org.apache.spark.sql.classic.SparkSession) session;
    List<Rule<LogicalPlan>> rules =
        new ArrayList<>(CollectionConverters.asJava(spark.experimental().extraOptimizations()));
    for (Rule<LogicalPlan> r : rules) {
      if (r instanceof TopDownRule t && t.name.equals(name)) {
        return;
      }
    }
    rules.add(new TopDownRule(name, rewrite));
    spark.experimental().extraOptimizations_$eq(seq(rules));
  }

  /** The Scala function object inside the calls of {@code udf}: what identifies its calls. */
  public static Object udfFunction(UserDefinedFunction udf) {
    return ((SparkUserDefinedFunction) udf).f();
  }

  /** The function object of a one-argument UDF call, or null when {@code e} is no such call. */
  public static Object calledFunction(Expression e) {
    return e instanceof ScalaUDF u && u.children().size() == 1 ? u.function() : null;
  }

  /** The argument of a one-argument UDF call ({@link #calledFunction} not null). */
  public static Expression argument(Expression call) {
    return call.children().head();
  }

  public static List<Expression> children(Expression e) {
    return CollectionConverters.asJava(e.children());
  }

  public static boolean semanticEquals(Expression a, Expression b) {
    return a.semanticEquals(b);
  }

  /**
   * Whether {@code e} is a function of one input row alone: no lambda variable, outer reference,
   * aggregate or window function in it.
   */
  public static boolean isPerRow(Expression e) {
    if (e instanceof NamedLambdaVariable
        || e instanceof LambdaVariable
        || e instanceof OuterReference
        || e instanceof AggregateExpression
        || e instanceof WindowExpression) {
      return false;
    }
    for (Expression c : children(e)) {
      if (!isPerRow(c)) {
        return false;
      }
    }
    return true;
  }

  /** Whether every column {@code e} reads is one of {@code node}'s output columns. */
  public static boolean readsOnlyOutputOf(Expression e, LogicalPlan node) {
    return e.references().subsetOf(node.outputSet());
  }

  /**
   * The columns of {@code node}'s output that {@code expressions} read, not counting what the
   * subexpressions {@code ignored} picks read (each is read as a null of its type instead).
   */
  public static List<Attribute> outputReadBy(
      LogicalPlan node, List<Expression> expressions, Predicate<Expression> ignored) {
    AttributeSet used = AttributeSet$.MODULE$.empty();
    for (Expression e : expressions) {
      Expression rest =
          e.transformDown(
              PartialFunction.fromFunction(
                  x -> ignored.test(x) ? Literal.create(null, x.dataType()) : x));
      used = used.$plus$plus(rest.references());
    }
    List<Attribute> read = new ArrayList<>();
    for (Attribute a : output(node)) {
      if (used.contains(a)) {
        read.add(a);
      }
    }
    return read;
  }

  /**
   * {@code node} over {@code newChild}, its expressions rewritten top down by {@code replace} (a
   * replaced expression's own children are not visited).
   */
  public static LogicalPlan withExpressionsAndChild(
      LogicalPlan node, UnaryOperator<Expression> replace, LogicalPlan newChild) {
    return node.transformExpressionsDown(PartialFunction.fromFunction(replace::apply))
        .withNewChildren(seq(List.of(newChild)));
  }

  // ---- 3. Rows for the scored columns ----

  /** {@code row} followed by {@code values} (in Spark's internal forms), without copying. */
  public static InternalRow joined(InternalRow row, Object[] values) {
    return new JoinedRow(row, new GenericInternalRow(values));
  }

  public static Object floatArray(float[] values) {
    return UnsafeArrayData.fromPrimitiveArray(values);
  }

  public static Object doubleArray(double[] values) {
    return UnsafeArrayData.fromPrimitiveArray(values);
  }

  /** An array of strings (or other internal values) as a column value. */
  public static Object array(Object[] values) {
    return new GenericArrayData(values);
  }

  @SuppressWarnings("unchecked")
  private static final UserDefinedType<Vector> VECTOR =
      (UserDefinedType<Vector>) SQLDataTypes.VectorType();

  /** A dense ML vector as a column value. */
  public static Object vector(double[] values) {
    return VECTOR.serialize(Vectors.dense(values));
  }

  public static Object string(String s) {
    return UTF8String.fromString(s);
  }

  // ---- 4. Barrier stages ----

  /** {@code rdd.barrier().mapPartitions(f)}: all partitions' tasks start together. */
  public static <T, R> JavaRDD<R> barrierMapPartitions(
      JavaRDD<T> rdd, PartitionFunction<T, R> f, Class<R> type) {
    ClassTag<R> tag = ClassTag$.MODULE$.apply(type);
    return JavaRDD.fromRDD(
        rdd.rdd().barrier().mapPartitions(new ScalaFunction<>(f), false, tag), tag);
  }

  // ---- 5. Cluster recovery ----

  /**
   * Asks the cluster manager to kill executor {@code id} and start another; false when it cannot.
   */
  public static boolean replaceExecutor(SparkContext sc, String id) {
    return sc.killAndReplaceExecutor(id);
  }

  /** The ids of the executors the scheduler knows now. */
  public static List<String> executorIds(SparkContext sc) {
    return CollectionConverters.asJava(sc.getExecutorIds());
  }

  /** How many tasks of the default resource profile the cluster can run at once now. */
  public static int taskSlots(SparkContext sc) {
    return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
  }

  // ---- 6. SparkEnv ----

  /** This JVM's executor id ("driver" on the driver), or "?" outside Spark. */
  public static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? "?" : env.executorId();
  }

  /** The host this JVM's block manager serves from, or "?" outside Spark. */
  public static String executorHost() {
    SparkEnv env = SparkEnv.get();
    return env == null ? "?" : env.blockManager().blockManagerId().host();
  }

  /** Whether {@code spark.authenticate} is on in this JVM's Spark environment. */
  public static boolean authenticationEnabled() {
    SecurityManager sm = securityManager();
    return sm != null && sm.isAuthenticationEnabled();
  }

  /** Whether Spark encrypts its own network traffic ({@code spark.network.crypto.enabled}). */
  public static boolean encryptionEnabled() {
    SecurityManager sm = securityManager();
    return sm != null && sm.isEncryptionEnabled();
  }

  /**
   * This JVM's copy of the application's {@code spark.authenticate} secret, or null without one.
   * Never log or show it.
   */
  public static byte[] authenticationSecret() {
    if (!authenticationEnabled()) {
      return null;
    }
    return securityManager().getSecretKey().getBytes(StandardCharsets.UTF_8);
  }

  private static SecurityManager securityManager() {
    SparkEnv env = SparkEnv.get();
    return env == null ? null : env.securityManager();
  }

  // ---- Scala glue ----

  private static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }

  private static Expression structField(LogicalPlan mapPartitions, int k) {
    return new GetStructField(((MapPartitions) mapPartitions).outputObjAttr(), k, Option.empty());
  }

  /** A {@link PartitionFunction} as the Scala function Spark's RDD and plan classes take. */
  private static final class ScalaFunction<T, R>
      extends AbstractFunction1<scala.collection.Iterator<T>, scala.collection.Iterator<R>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final PartitionFunction<T, R> f;

    ScalaFunction(PartitionFunction<T, R> f) {
      this.f = f;
    }

    @Override
    public scala.collection.Iterator<R> apply(scala.collection.Iterator<T> rows) {
      return CollectionConverters.asScala(f.apply(CollectionConverters.asJava(rows)));
    }

    @Override
    public String toString() {
      return f.toString();
    }
  }

  /** An optimizer rule that rewrites every node top down. */
  private static final class TopDownRule extends Rule<LogicalPlan> {
    private final String name;
    private final NodeRewrite rewrite;

    TopDownRule(String name, NodeRewrite rewrite) {
      this.name = name;
      this.rewrite = rewrite;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
      return plan.transformDown(PartialFunction.fromFunction(rewrite::rewrite));
    }
  }
}
