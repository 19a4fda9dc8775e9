package org.sparkcnn.spark.ml;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
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
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.data.ImageColumns;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.HadoopFiles;
import org.sparkcnn.spark.io.ModelStore;

/**
 * A trained CNN as a Spark ML {@link Model}: {@link #transform} keeps every input column and adds
 * {@code predictionCol} (int, the class index with the highest output) and
 * {@code probabilityCol} (an ML DenseVector of the model's outputs: class probabilities for a
 * softmax last layer). Rows are scored in batches per partition; the weights are broadcast once
 * per transform.
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
  private final IntParam batchSize;

  public CnnClassificationModel(String uid, Sequential model, ModelInfo info) {
    this.uid = uid;
    this.model = model;
    this.spec = ModelSpec.toJson(model);
    this.weights = model.parameters().clone();
    this.info = info;
    imageCol = new Param<>(this, "imageCol", "image column: binary (PNG/JPEG), "
        + "array<int|float|double> or Spark's image struct");
    predictionCol = new Param<>(this, "predictionCol", "output column: predicted class index");
    probabilityCol = new Param<>(this, "probabilityCol", "output column: model outputs "
        + "(class probabilities) as a vector");
    batchSize = new IntParam(this, "batchSize", "rows per forward pass when scoring",
        ParamValidators.gtEq(1));
    setDefault(imageCol, "image");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(batchSize, 64);
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

  ModelInput input() {
    int[] dims = ModelSpec.fromJson(spec, "model spec").inputShape().dims();
    int classes = ModelSpec.fromJson(spec, "model spec").outputShape().size();
    return new ModelInput(dims[0], dims[1], dims[2], classes, info.rescale());
  }

  @Override
  public StructType transformSchema(StructType schema) {
    ImageColumns.of(schema, getOrDefault(imageCol), null, input());
    for (Param<String> p : List.of(predictionCol, probabilityCol)) {
      if (Arrays.asList(schema.fieldNames()).contains(getOrDefault(p))) {
        throw new IllegalArgumentException(p.name() + " '" + getOrDefault(p) + "' already "
            + "exists; received columns " + Arrays.toString(schema.fieldNames())
            + "; expected a new column name");
      }
    }
    return schema.add(getOrDefault(predictionCol), DataTypes.IntegerType, false)
        .add(getOrDefault(probabilityCol), SQLDataTypes.VectorType(), false);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    ImageColumns columns = ImageColumns.of(dataset.schema(), getOrDefault(imageCol), null,
        input());
    SparkSession spark = dataset.sparkSession();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<float[]> w = jsc.broadcast(weights);
    String s = spec;
    int batch = (Integer) getOrDefault(batchSize);
    JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(it ->
        new Scorer(it, columns, ScoringModels.get(s), w.value(), batch));
    return spark.createDataFrame(rows, out);
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
        ModelStore.save(instance.network(), instance.info, path,
            sparkSession().sparkContext().hadoopConfiguration(),
            tmp -> DefaultParamsWriter.saveMetadata(instance, tmp.toString(),
                sparkSession()));
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
      DefaultParamsReader.Metadata m = DefaultParamsReader.loadMetadata(path, sparkSession(),
          CnnClassificationModel.class.getName());
      CnnClassificationModel model = new CnnClassificationModel(m.uid(), loaded.model(),
          loaded.info());
      m.getAndSetParams(model, scala.Option.empty());
      return model;
    }
  }
}
