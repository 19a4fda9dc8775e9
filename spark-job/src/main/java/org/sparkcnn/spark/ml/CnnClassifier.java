package org.sparkcnn.spark.ml;

import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.CHECKPOINT_EVERY_STEPS;
import static org.sparkcnn.core.settings.TrainingSettings.CLASS_NAMES;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.KEEP_CHECKPOINTS;
import static org.sparkcnn.core.settings.TrainingSettings.LABEL_MODE;
import static org.sparkcnn.core.settings.TrainingSettings.LEARNING_RATE;
import static org.sparkcnn.core.settings.TrainingSettings.LOSS;
import static org.sparkcnn.core.settings.TrainingSettings.OPTIMIZER;
import static org.sparkcnn.core.settings.TrainingSettings.PARTITIONS;
import static org.sparkcnn.core.settings.TrainingSettings.RESCALE;
import static org.sparkcnn.core.settings.TrainingSettings.SEED;
import static org.sparkcnn.core.settings.TrainingSettings.SHUFFLE;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC_TOPOLOGY;
import static org.sparkcnn.core.settings.TrainingSettings.VALIDATION_SPLIT;
import static org.sparkcnn.core.settings.TrainingSettings.VERBOSE;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.ProgressBar;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.core.settings.TrainingSetting;
import org.sparkcnn.core.settings.TrainingSettings;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.ProgressObserver;
import org.sparkcnn.spark.TrainerOptions;
import org.sparkcnn.spark.data.Blocks;
import org.sparkcnn.spark.data.DataFrameSource;
import org.sparkcnn.spark.data.ImageColumns;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.TrainingCheckpoints;
import org.sparkcnn.spark.labels.LabelColumn;

/**
 * Trains a CNN on a DataFrame as a Spark ML {@link Estimator}, usable in a {@code Pipeline}. The
 * network is a Keras model spec ({@code model.to_json()}); training is the synchronous
 * data-parallel {@link DistributedTrainer}, on the image and label columns decoded once into cached
 * uint8 blocks (see {@link org.sparkcnn.spark.data.ImageColumns} for the column types).
 *
 * <pre>
 * CnnClassifier cnn = new CnnClassifier().setModelSpec(kerasJson).setEpochs(5)
 *     .setImageCol("image").setLabelCol("label");
 * CnnClassificationModel model = cnn.fit(train);
 * model.transform(test).select("label", "prediction", "probability");
 * </pre>
 */
public final class CnnClassifier extends Estimator<CnnClassificationModel>
    implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> imageCol;
  private final Param<String> labelCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> modelSpec;
  private final IntParam epochs;
  private final IntParam verbose;
  private final IntParam batchSize;
  private final Param<String> optimizer;
  private final DoubleParam learningRate;
  private final Param<String> optimizerSettings;
  private final Param<String> loss;
  private final Param<String> labelMode;
  private final LongParam seed;
  private final BooleanParam shuffle;
  private final DoubleParam validationSplit;
  private final DoubleParam rescale;
  private final StringArrayParam classNames;
  private final IntParam numPartitions;
  private final Param<String> sync;
  private final Param<String> syncTopology;
  private final Param<String> checkpointDir;
  private final IntParam checkpointInterval;
  private final IntParam keepCheckpoints;

  public CnnClassifier(String uid) {
    this.uid = uid;
    imageCol =
        new Param<>(
            this,
            "imageCol",
            "image column: binary (PNG/JPEG), "
                + "array<int|float|double> (flattened H x W x C) or Spark's image struct");
    labelCol =
        new Param<>(
            this,
            "labelCol",
            "label column: a class index (integer, or a double holding a whole number; 0/1 for "
                + "one sigmoid output), or an array of K values 0/1 (one-hot or multi-hot)");
    predictionCol =
        new Param<>(
            this, "predictionCol", "output column of the fitted model: " + "predicted class index");
    probabilityCol =
        new Param<>(
            this,
            "probabilityCol",
            "output column of the fitted model: " + "class probabilities as a vector");
    modelSpec =
        new Param<>(
            this,
            "modelSpec",
            "the network as Keras model.to_json() of a "
                + "Sequential model; input_shape gives the image size, the last layer's units the "
                + "classes");
    epochs = SettingParams.ints(this, EPOCHS);
    verbose = SettingParams.ints(this, VERBOSE);
    batchSize = SettingParams.ints(this, BATCH_SIZE);
    optimizer = SettingParams.strings(this, OPTIMIZER);
    learningRate = SettingParams.doubles(this, LEARNING_RATE);
    optimizerSettings =
        new Param<>(
            this,
            "optimizerSettings",
            "more Keras optimizer settings "
                + "as a JSON object, e.g. {\"beta_1\": 0.9} or {\"momentum\": 0.9}");
    loss = SettingParams.strings(this, LOSS);
    labelMode = SettingParams.strings(this, LABEL_MODE);
    seed = SettingParams.longs(this, SEED);
    shuffle = SettingParams.booleans(this, SHUFFLE);
    validationSplit = SettingParams.doubles(this, VALIDATION_SPLIT);
    rescale = SettingParams.doubles(this, RESCALE);
    classNames = SettingParams.stringArrays(this, CLASS_NAMES);
    numPartitions = SettingParams.ints(this, PARTITIONS);
    sync = SettingParams.strings(this, SYNC);
    syncTopology = SettingParams.strings(this, SYNC_TOPOLOGY);
    checkpointDir =
        new Param<>(
            this,
            "checkpointDir",
            "folder (any Hadoop path) for training checkpoints: every checkpointInterval steps and"
                + " at each epoch end the weights, optimizer state, epoch, step and history are"
                + " saved there; a fit whose folder holds a checkpoint of the same params and data"
                + " continues from it, with the result of an uninterrupted fit; empty = none");
    checkpointInterval = SettingParams.ints(this, CHECKPOINT_EVERY_STEPS);
    keepCheckpoints = SettingParams.ints(this, KEEP_CHECKPOINTS);
    setDefault(imageCol, "image");
    setDefault(labelCol, "label");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(optimizerSettings, "{}");
    setDefault(checkpointDir, "");
    setSettingDefaults();
  }

  /**
   * Every param made from a training setting takes the setting's default: the one place defaults
   * come from. Called once all params exist (Spark ML finds them by reflection).
   */
  private void setSettingDefaults() {
    for (TrainingSetting<?> s : TrainingSettings.ALL) {
      if (hasParam(s.name())) {
        setDefault(getParam(s.name()), SettingParams.defaultValue(s));
      }
    }
  }

  public CnnClassifier() {
    this(Identifiable.randomUID("cnnClassifier"));
  }

  @Override
  public String uid() {
    return uid;
  }

  // Spark ML finds params through public no-argument methods returning a Param.
  public Param<String> imageCol() {
    return imageCol;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  public Param<String> modelSpec() {
    return modelSpec;
  }

  public IntParam epochs() {
    return epochs;
  }

  public IntParam verbose() {
    return verbose;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public Param<String> optimizer() {
    return optimizer;
  }

  public DoubleParam learningRate() {
    return learningRate;
  }

  public Param<String> optimizerSettings() {
    return optimizerSettings;
  }

  public Param<String> loss() {
    return loss;
  }

  public Param<String> labelMode() {
    return labelMode;
  }

  public LongParam seed() {
    return seed;
  }

  public BooleanParam shuffle() {
    return shuffle;
  }

  public DoubleParam validationSplit() {
    return validationSplit;
  }

  public DoubleParam rescale() {
    return rescale;
  }

  public StringArrayParam classNames() {
    return classNames;
  }

  public IntParam numPartitions() {
    return numPartitions;
  }

  public Param<String> sync() {
    return sync;
  }

  public CnnClassifier setImageCol(String v) {
    set(imageCol, v);
    return this;
  }

  public CnnClassifier setLabelCol(String v) {
    set(labelCol, v);
    return this;
  }

  public CnnClassifier setPredictionCol(String v) {
    set(predictionCol, v);
    return this;
  }

  public CnnClassifier setProbabilityCol(String v) {
    set(probabilityCol, v);
    return this;
  }

  public CnnClassifier setModelSpec(String v) {
    set(modelSpec, v);
    return this;
  }

  public CnnClassifier setEpochs(int v) {
    set(epochs, v);
    return this;
  }

  public CnnClassifier setVerbose(int v) {
    set(verbose, v);
    return this;
  }

  public CnnClassifier setBatchSize(int v) {
    set(batchSize, v);
    return this;
  }

  public CnnClassifier setOptimizer(String v) {
    set(optimizer, v);
    return this;
  }

  public CnnClassifier setLearningRate(double v) {
    set(learningRate, v);
    return this;
  }

  public CnnClassifier setOptimizerSettings(String v) {
    set(optimizerSettings, v);
    return this;
  }

  public CnnClassifier setLoss(String v) {
    set(loss, v);
    return this;
  }

  public CnnClassifier setLabelMode(String v) {
    set(labelMode, v);
    return this;
  }

  public CnnClassifier setSeed(long v) {
    set(seed, v);
    return this;
  }

  public CnnClassifier setShuffle(boolean v) {
    set(shuffle, v);
    return this;
  }

  public CnnClassifier setValidationSplit(double v) {
    set(validationSplit, v);
    return this;
  }

  public CnnClassifier setRescale(double v) {
    set(rescale, v);
    return this;
  }

  public CnnClassifier setClassNames(String[] v) {
    set(classNames, v);
    return this;
  }

  public CnnClassifier setNumPartitions(int v) {
    set(numPartitions, v);
    return this;
  }

  public CnnClassifier setSync(String v) {
    set(sync, v);
    return this;
  }

  public Param<String> syncTopology() {
    return syncTopology;
  }

  public CnnClassifier setSyncTopology(String v) {
    set(syncTopology, v);
    return this;
  }

  public Param<String> checkpointDir() {
    return checkpointDir;
  }

  public IntParam checkpointInterval() {
    return checkpointInterval;
  }

  public CnnClassifier setCheckpointDir(String v) {
    set(checkpointDir, v);
    return this;
  }

  public CnnClassifier setCheckpointInterval(int v) {
    set(checkpointInterval, v);
    return this;
  }

  public IntParam keepCheckpoints() {
    return keepCheckpoints;
  }

  public CnnClassifier setKeepCheckpoints(int v) {
    set(keepCheckpoints, v);
    return this;
  }

  private <T> T value(Param<T> p) {
    return getOrDefault(p);
  }

  /** The network from modelSpec, seeded and compiled with the optimizer settings. */
  Sequential buildNetwork() {
    if (!isDefined(modelSpec)) {
      throw new IllegalArgumentException(
          "CnnClassifier param 'modelSpec' is not set; expected "
              + "the network as Keras model.to_json() JSON, e.g. setModelSpec(Files.readString("
              + "Path.of(\"conf/models/fashion-mnist-cnn.json\")))");
    }
    Map<String, Object> settings =
        new LinkedHashMap<>(
            Json.parseObject(value(optimizerSettings), "CnnClassifier param 'optimizerSettings'"));
    settings.put("learning_rate", value(learningRate));
    Optimizer opt = Optimizer.fromConfig(value(optimizer), settings);
    Sequential net = ModelSpec.fromJson(value(modelSpec), "CnnClassifier param 'modelSpec'");
    net.seed((Long) value(seed));
    return net.compile(value(loss), opt, "accuracy");
  }

  @Override
  public StructType transformSchema(StructType schema) {
    ModelInput input = input(buildNetwork());
    ImageColumns.of(schema, value(imageCol), null, input);
    LabelColumn.of(schema, value(labelCol), input.targets());
    return schema;
  }

  /** The network's input and targets: labelMode, or the mode its loss and outputs imply. */
  private ModelInput input(Sequential net) {
    String mode = value(labelMode);
    return ModelInput.of(net, (Double) value(rescale), mode.equals("auto") ? null : mode);
  }

  @Override
  public CnnClassificationModel fit(Dataset<?> dataset) {
    Sequential net = buildNetwork();
    double scale = (Double) value(rescale);
    ModelInput input = input(net);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    DataFrameSource source =
        DataFrameSource.open(
            dataset.toDF(), value(imageCol), value(labelCol), input, "CnnClassifier input");
    long n = Blocks.requireRows(source, "training");
    int partitions =
        (Integer) value(numPartitions) > 0
            ? (Integer) value(numPartitions)
            : jsc.defaultParallelism();
    double split = (Double) value(validationSplit);
    long trainEnd = split > 0 ? Blocks.splitAt(n, split, source.describe()) : n;
    JavaRDD<ImageBlock> validation =
        split > 0 ? Blocks.cached(source, trainEnd, n, partitions, "validation") : null;
    JavaRDD<ImageBlock> train = Blocks.cached(source, 0, trainEnd, partitions, "training");
    // The settings this estimator has a param for; the others (timeout, task failures) default.
    TrainerOptions options =
        TrainerOptions.from(s -> hasParam(s.name()) ? value(getParam(s.name())) : s.defaultValue())
            .with(RESCALE, scale);
    List<EpochReport> history;
    try {
      ProgressBar bar = ProgressBar.console((Integer) value(verbose));
      DistributedTrainer trainer =
          new DistributedTrainer(jsc, net, options, input.targets())
              .syncTopology(value(syncTopology))
              .onStep(new ProgressObserver(bar, options.get(EPOCHS), net.accuracy() != null));
      String dir = value(checkpointDir);
      if (dir.isEmpty()) {
        history = trainer.fit(train, validation, r -> bar.epochEnd(r.toString()));
      } else {
        history =
            FitCheckpoints.fit(
                trainer,
                train,
                validation,
                dir,
                (Integer) value(checkpointInterval),
                (Integer) value(keepCheckpoints),
                identity(net, trainEnd, n - trainEnd, partitions),
                jsc.hadoopConfiguration());
      }
    } finally {
      train.unpersist(false);
      if (validation != null) {
        validation.unpersist(false);
      }
    }
    String[] names = value(classNames);
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("estimator", CnnClassifier.class.getName());
    facts.put("epochs", value(epochs));
    facts.put("batch_size", value(batchSize));
    facts.put("seed", value(seed));
    facts.put("train_rows", trainEnd);
    facts.put("label_mode", input.targets().mode().kerasName());
    facts.put(
        "history",
        history.stream()
            .map(
                r ->
                    Map.<String, Object>of(
                        "epoch",
                        r.figures().epoch(),
                        "loss",
                        r.figures().loss(),
                        "images_per_second",
                        r.imagesPerSecond()))
            .toList());
    ModelInfo info = new ModelInfo(names.length == 0 ? null : Arrays.asList(names), scale, facts);
    CnnClassificationModel model = new CnnClassificationModel(uid, net, info);
    model
        .setImageCol(value(imageCol))
        .setPredictionCol(value(predictionCol))
        .setProbabilityCol(value(probabilityCol));
    return model.setParent(this);
  }

  /** Params that do not change the weights a fit computes; a fit may resume across them. */
  private static final Set<String> NOT_IDENTITY =
      Set.of(
          "predictionCol",
          "probabilityCol",
          "epochs",
          "sync",
          "syncTopology",
          "checkpointDir",
          "checkpointInterval",
          "keepCheckpoints");

  /** The params that decide the weights, the spec's SHA-256 and the data's shape. */
  private Map<String, Object> identity(Sequential net, long trainRows, long valRows, int parts) {
    Map<String, Object> id = new TreeMap<>();
    for (Param<?> p : params()) {
      if (!NOT_IDENTITY.contains(p.name()) && !p.name().equals("modelSpec")) {
        Object v = getOrDefault(p);
        id.put(p.name(), v instanceof String[] a ? Arrays.asList(a) : String.valueOf(v));
      }
    }
    id.put("model_spec_sha256", TrainingCheckpoints.sha256(ModelSpec.toJson(net)));
    id.put("train_rows", trainRows);
    id.put("validation_rows", valRows);
    id.put("partitions", (long) parts);
    return id;
  }

  @Override
  public CnnClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<CnnClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static CnnClassifier load(String path) {
    return read().load(path);
  }
}
