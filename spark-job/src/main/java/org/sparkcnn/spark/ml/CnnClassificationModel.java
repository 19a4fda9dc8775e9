package org.sparkcnn.spark.ml;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.compat.SparkInternals;
import org.sparkcnn.spark.data.ImageColumns;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.HadoopFiles;
import org.sparkcnn.spark.io.ModelStore;
import scala.Option;

/**
 * A trained CNN as a Spark ML {@link Model}. {@link #transform} keeps every input column and every
 * row (in order within a partition) and adds
 *
 * <ul>
 *   <li>{@code predictionCol} ("prediction", int): the predicted class: the highest output, or 1
 *       when p &gt; 0.5 for one sigmoid output;
 *   <li>{@code probabilityCol} ("probability", an ML DenseVector): the class probabilities: the
 *       softmax outputs, or [1 - p, p] for one sigmoid output;
 *   <li>{@code rawPredictionCol} ("rawPrediction", an ML DenseVector): the last layer's values
 *       before its final softmax/sigmoid (logits z), or [-z, z] for one sigmoid output;
 *   <li>{@code predictedLabelCol} ("predicted_label", string): the class name of the prediction,
 *       only when the model has class names;
 *   <li>{@code errorCol} ("error", string): null, or why the row could not be scored.
 * </ul>
 *
 * <p>These are Spark ML's classifier columns, so {@code BinaryClassificationEvaluator} and {@code
 * MulticlassClassificationEvaluator} take the output as it is. A model with several sigmoid outputs
 * (multi-label) gives a 0/1 prediction per label (array&lt;int&gt;), the independent probabilities,
 * the logits and the names of the labels predicted 1 (array&lt;string&gt;): see {@link OutputKind}.
 *
 * <p>A bad row (null, undecodable or wrong-size image, a value that is not a pixel) is never
 * dropped: it gets null prediction, probability and label and the problem in the error column; with
 * {@code strict} the job fails instead, naming the first bad row (partition, row within the
 * partition, and {@code idCol} when set). Rows are decoded with the training rules ({@link
 * ImageColumns}: binary PNG/JPEG, array of int/float/double, Spark's image struct) and scored
 * {@code batchSize} rows per forward pass on the fast kernels, one task per core, on Spark's
 * internal rows ({@link BatchScoringPlan}); the weights are broadcast once per transform and the
 * network is built once per executor JVM. Works on streaming DataFrames too.
 *
 * <p>Saved as a spark-cnn model directory (model.json, weights.safetensors, training.json with
 * checksums) plus Spark ML's {@code metadata/} (uid and params), written atomically. Any model
 * directory a training job wrote loads too (with default params).
 */
public final class CnnClassificationModel extends Model<CnnClassificationModel>
    implements MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final String spec;
  private final float[] weights;
  private final ModelInfo info;
  private final transient Sequential model;

  private final Param<String> imageCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> rawPredictionCol;
  private final Param<String> predictedLabelCol;
  private final Param<String> errorCol;
  private final Param<String> idCol;
  private final BooleanParam strict;
  private final IntParam batchSize;

  public CnnClassificationModel(String uid, Sequential model, ModelInfo info) {
    this.uid = uid;
    this.model = model;
    this.spec = ModelSpec.toJson(model);
    this.weights = model.parameters().clone();
    this.info = info;
    imageCol =
        new Param<>(
            this,
            "imageCol",
            "image column: binary (PNG/JPEG), "
                + "array<int|float|double> or Spark's image struct");
    predictionCol = new Param<>(this, "predictionCol", "output column: predicted class index");
    probabilityCol =
        new Param<>(
            this,
            "probabilityCol",
            "output column: model outputs " + "(class probabilities) as a vector");
    rawPredictionCol =
        new Param<>(
            this,
            "rawPredictionCol",
            "output column: the last layer's values before its final softmax/sigmoid (logits), "
                + "[-z, z] for one sigmoid output, as a vector; empty = never added");
    predictedLabelCol =
        new Param<>(
            this,
            "predictedLabelCol",
            "output column: class name of "
                + "the prediction, added when the model has class names; empty = never added");
    errorCol =
        new Param<>(
            this,
            "errorCol",
            "output column: null, or why the row could not be "
                + "scored (its prediction is then null)");
    idCol =
        new Param<>(
            this,
            "idCol",
            "column naming a row in strict-mode errors; empty = "
                + "none (rows are named by partition and index within it)");
    strict =
        new BooleanParam(
            this,
            "strict",
            "fail on the first bad row instead of giving it " + "a null prediction and an error");
    batchSize =
        new IntParam(
            this, "batchSize", "rows per forward pass when scoring", ParamValidators.gtEq(1));
    setDefault(imageCol, "image");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(rawPredictionCol, "rawPrediction");
    setDefault(predictedLabelCol, "predicted_label");
    setDefault(errorCol, "error");
    setDefault(idCol, "");
    setDefault(strict, false);
    setDefault(batchSize, 256);
  }

  public CnnClassificationModel(Sequential model, ModelInfo info) {
    this(Identifiable.randomUID("cnn"), model, info);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> imageCol() {
    return imageCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  public Param<String> rawPredictionCol() {
    return rawPredictionCol;
  }

  public Param<String> predictedLabelCol() {
    return predictedLabelCol;
  }

  public Param<String> errorCol() {
    return errorCol;
  }

  public Param<String> idCol() {
    return idCol;
  }

  public BooleanParam strict() {
    return strict;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public CnnClassificationModel setImageCol(String v) {
    set(imageCol, v);
    return this;
  }

  public CnnClassificationModel setPredictionCol(String v) {
    set(predictionCol, v);
    return this;
  }

  public CnnClassificationModel setProbabilityCol(String v) {
    set(probabilityCol, v);
    return this;
  }

  public CnnClassificationModel setRawPredictionCol(String v) {
    set(rawPredictionCol, v);
    return this;
  }

  public CnnClassificationModel setPredictedLabelCol(String v) {
    set(predictedLabelCol, v);
    return this;
  }

  public CnnClassificationModel setErrorCol(String v) {
    set(errorCol, v);
    return this;
  }

  public CnnClassificationModel setIdCol(String v) {
    set(idCol, v);
    return this;
  }

  public CnnClassificationModel setStrict(boolean v) {
    set(strict, v);
    return this;
  }

  public CnnClassificationModel setBatchSize(int v) {
    set(batchSize, v);
    return this;
  }

  /** The trained network (its current weights). */
  public Sequential network() {
    Sequential m = model != null ? model : ModelSpec.fromJson(spec, "model spec");
    m.setParameters(weights.clone());
    return m;
  }

  public ModelInfo info() {
    return info;
  }

  /** Class names in label order, or null. */
  public List<String> classNames() {
    return info.classNames();
  }

  /** What the model accepts: image size and channels, classes, and the pixel rescale. */
  public ModelInput input() {
    int[] dims = ModelSpec.fromJson(spec, "model spec").inputShape().dims();
    int classes = ModelSpec.fromJson(spec, "model spec").outputShape().size();
    return new ModelInput(dims[0], dims[1], dims[2], classes, info.rescale());
  }

  /** How the outputs become the scored columns (softmax, one sigmoid output, several). */
  OutputKind outputKind() {
    return OutputKind.of(spec);
  }

  /** The class names when the label column is added, else null. */
  private String[] labelNames() {
    return getOrDefault(predictedLabelCol).isEmpty() ? null : checkedClassNames();
  }

  /** The class names, checked against the outputs (one per class), or null when there are none. */
  String[] checkedClassNames() {
    List<String> names = info.classNames();
    if (names == null || names.isEmpty()) {
      return null;
    }
    int classes = outputKind().classes(input());
    if (names.size() != classes) {
      throw ErrorText.problem("The model's class names do not fit its outputs")
          .received(names.size() + " class names " + names)
          .expected(
              classes
                  + (classes == 2 && input().classes() == 1
                      ? " (one sigmoid output: class 0 and class 1)"
                      : " (one per output)"))
          .hint(
              "fix class_names in the model directory's training.json, or set predictedLabelCol"
                  + " to \"\" to score without names")
          .illegalArgument();
    }
    return names.toArray(new String[0]);
  }

  private boolean rawPredictionAdded() {
    return !getOrDefault(rawPredictionCol).isEmpty();
  }

  @Override
  public StructType transformSchema(StructType schema) {
    ImageColumns.of(schema, getOrDefault(imageCol), null, input());
    String id = getOrDefault(idCol);
    if (!id.isEmpty() && !Arrays.asList(schema.fieldNames()).contains(id)) {
      throw ErrorText.problem("idCol '" + id + "' is not a column")
          .received("columns " + Arrays.toString(schema.fieldNames()))
          .expected("one of them, or \"\" for none")
          .illegalArgument();
    }
    List<Param<String>> added = new ArrayList<>(List.of(predictionCol, probabilityCol));
    if (rawPredictionAdded()) {
      added.add(rawPredictionCol);
    }
    if (labelNames() != null) {
      added.add(predictedLabelCol);
    }
    added.add(errorCol);
    OutputKind kind = outputKind();
    StructType out = schema;
    for (Param<String> p : added) {
      String name = getOrDefault(p);
      if (Arrays.asList(out.fieldNames()).contains(name)) {
        throw ErrorText.problem(p.name() + " '" + name + "' already exists")
            .received("columns " + Arrays.toString(out.fieldNames()))
            .expected("a new column name")
            .hint("set " + p.name() + " to another one")
            .illegalArgument();
      }
      DataType type =
          p == predictionCol
              ? kind.predictionType()
              : p == probabilityCol || p == rawPredictionCol
                  ? SQLDataTypes.VectorType()
                  : p == predictedLabelCol ? kind.labelType() : DataTypes.StringType;
      // Nullable: a row that cannot be scored has null outputs.
      out = out.add(name, type, true);
    }
    return out;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    StructType out = transformSchema(schema);
    ImageColumns columns = ImageColumns.of(schema, getOrDefault(imageCol), null, input());
    String id = getOrDefault(idCol);
    Scorer.Plan plan =
        new Scorer.Plan(
            spec,
            columns,
            labelNames(),
            (Integer) getOrDefault(batchSize),
            (Boolean) getOrDefault(strict),
            id.isEmpty() ? -1 : schema.fieldIndex(id),
            id.isEmpty() ? null : id,
            true,
            rawPredictionAdded());
    DataType idType = id.isEmpty() ? null : schema.apply(id).dataType();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    // Once per transform; each executor fetches it once and its tasks share the array.
    Broadcast<float[]> w = jsc.broadcast(weights);
    // On Spark's internal rows (BatchScoringPlan): the image is read from the row's bytes and
    // the other columns pass through untouched, where mapPartitions over Rows would decode and
    // re-encode every column of every row.
    LogicalPlan child = SparkInternals.logicalPlan(dataset);
    StructType added = new StructType();
    for (int k = schema.size(); k < out.size(); k++) {
      added = added.add(out.fields()[k]);
    }
    LogicalPlan scored =
        BatchScoringPlan.scored(child, SparkInternals.output(child), plan, idType, w, added);
    List<NamedExpression> fields = new ArrayList<>();
    for (int k = 0; k < out.size(); k++) {
      StructField f = out.fields()[k];
      fields.add(SparkInternals.field(scored, k, f.name(), f.metadata()));
    }
    return SparkInternals.dataFrame(dataset, SparkInternals.project(fields, scored));
  }

  @Override
  public CnnClassificationModel copy(ParamMap extra) {
    CnnClassificationModel copy = new CnnClassificationModel(uid, network(), info);
    return copyValues(copy, extra).setParent(parent());
  }

  // ---- persistence ----

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  @Override
  public void save(String path) throws IOException {
    write().save(path);
  }

  public static MLReader<CnnClassificationModel> read() {
    return new Reader();
  }

  public static CnnClassificationModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final CnnClassificationModel instance;

    Writer(CnnClassificationModel instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      try {
        ModelStore.save(
            instance.network(),
            instance.info,
            path,
            sparkSession().sparkContext().hadoopConfiguration(),
            tmp -> DefaultParamsWriter.saveMetadata(instance, tmp.toString(), sparkSession()));
      } catch (IOException e) {
        throw new IllegalStateException("cannot save the model to " + path + ": " + e, e);
      }
    }
  }

  private static final class Reader extends MLReader<CnnClassificationModel> {
    @Override
    public CnnClassificationModel load(String path) {
      ModelDirectory.Loaded loaded;
      try {
        loaded = ModelStore.load(path, sparkSession().sparkContext().hadoopConfiguration());
      } catch (IOException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      Path metadata = new Path(path, "metadata");
      try {
        if (!HadoopFiles.exists(metadata, sparkSession().sparkContext().hadoopConfiguration())) {
          // A model directory a training job wrote: default params, a new uid.
          return new CnnClassificationModel(loaded.model(), loaded.info());
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + metadata + ": " + e, e);
      }
      DefaultParamsReader.Metadata m =
          DefaultParamsReader.loadMetadata(
              path, sparkSession(), CnnClassificationModel.class.getName());
      CnnClassificationModel model =
          new CnnClassificationModel(m.uid(), loaded.model(), loaded.info());
      m.getAndSetParams(model, Option.empty());
      return model;
    }
  }
}
