package org.sparkcnn.spark.job;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonException;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.core.settings.TrainingSetting;
import org.sparkcnn.core.settings.TrainingSettings;
import org.sparkcnn.datasets.BadFilePolicy;

/**
 * A training job's settings: a JSON object with Keras' names where Keras has one, every key
 * declared once below with its default and check; the training settings that Spark ML and the Java
 * API share are declared in {@link TrainingSettings} and only referred to here. Unknown keys, wrong
 * types and out-of-range values are errors that name the key and where it came from (the file or
 * {@code --set}). Paths are Hadoop paths: with a scheme (file://, hdfs://, s3a://) or relative to
 * the working directory of the default file system.
 */
public final class JobConfig {
  static final List<String> FORMATS = List.of("auto", "idx", "images", "parquet", "table");
  static final List<String> BAD_FILES = List.of("fail", "skip");

  /** Steps between checkpoints; why 1000: {@link TrainingSettings#CHECKPOINT_EVERY_STEPS}. */
  public static final int DEFAULT_CHECKPOINT_EVERY_STEPS =
      TrainingSettings.CHECKPOINT_EVERY_STEPS.defaultValue();

  /** Every key, in the order the effective config is printed. */
  static final Map<String, Setting> SETTINGS =
      declare(
          new Setting(
              "model",
              null,
              true,
              "Keras model spec (model.to_json()) of the network",
              JobConfig::string),
          new Setting(
              "train_data",
              null,
              true,
              "training data: an IDX prefix, image folder, " + "Parquet path or table (see format)",
              JobConfig::string),
          new Setting(
              "validation_data",
              null,
              false,
              "validation data, same forms as train_data; " + "excludes validation_split",
              JobConfig::string),
          derived(TrainingSettings.VALIDATION_SPLIT),
          new Setting(
              "test_data",
              null,
              false,
              "test data, evaluated once after training",
              JobConfig::string),
          new Setting(
              "format",
              "auto",
              false,
              "how data paths are read: "
                  + FORMATS
                  + "; auto: an IDX pair if PATH-images-idx3-ubyte(.gz) exists, else Parquet for a "
                  + ".parquet path or a folder of part files, else an image folder, else a table name",
              (v, p, k) -> choice(v, p, k, FORMATS)),
          new Setting(
              "image_col",
              "image",
              false,
              "image column of Parquet data and tables",
              JobConfig::string),
          new Setting(
              "label_col",
              "label",
              false,
              "label column: a class index, or an array for one-hot and multi-hot labels",
              JobConfig::string),
          derived(TrainingSettings.LABEL_MODE),
          new Setting(
              "resize",
              false,
              false,
              "image folders: resize images of another size to the model's input (bilinear) "
                  + "instead of failing",
              JobConfig::bool),
          new Setting(
              "bad_files",
              "fail",
              false,
              "image folders: "
                  + BAD_FILES
                  + "; fail at the first file that cannot be read or decoded, or skip such files "
                  + "and list them",
              (v, p, k) -> choice(v, p, k, BAD_FILES)),
          derived(TrainingSettings.EPOCHS),
          derived(TrainingSettings.BATCH_SIZE),
          derived(TrainingSettings.SHUFFLE),
          derived(TrainingSettings.SEED),
          new Setting(
              "optimizer",
              defaultOptimizer(),
              false,
              "\"adam\", \"sgd\", or {\"name\": ..., Keras settings: learning_rate, beta_1, "
                  + "beta_2, epsilon, amsgrad, momentum, nesterov}",
              JobConfig::optimizer),
          derived(TrainingSettings.LOSS),
          new Setting(
              "metrics", List.of("accuracy"), false, "[] or [\"accuracy\"]", JobConfig::metrics),
          new Setting(
              "init_weights",
              null,
              false,
              "start from these weights: a model directory or "
                  + "a weights.safetensors file (Keras names); null = initialise from seed",
              JobConfig::string),
          new Setting(
              "output",
              "runs/train",
              false,
              "directory for model/, metrics.json and " + "config.json",
              JobConfig::string),
          derived(TrainingSettings.RESCALE),
          derived(TrainingSettings.CLASS_NAMES),
          derived(TrainingSettings.PARTITIONS),
          derived(TrainingSettings.SYNC),
          derived(TrainingSettings.SYNC_TOPOLOGY),
          new Setting(
              "train_limit",
              null,
              false,
              "use only the first N training rows (smoke " + "tests); null = all",
              JobConfig::positiveInt),
          derived(TrainingSettings.TIMEOUT_SECONDS),
          new Setting(
              "resume",
              false,
              false,
              "continue from the newest intact checkpoint in output/checkpoints: true (it must"
                  + " exist and be of this config), \"auto\" (when there is one of this config,"
                  + " else start afresh) or false (start afresh, replacing old checkpoints)",
              JobConfig::resumeMode),
          derived(TrainingSettings.CHECKPOINT_EVERY_STEPS),
          derived(TrainingSettings.KEEP_CHECKPOINTS),
          new Setting(
              "terminate_on_nan",
              true,
              false,
              "stop at the first step whose loss or gradient is NaN or infinite (Keras'"
                  + " TerminateOnNaN)",
              JobConfig::bool),
          new Setting(
              "max_loss",
              null,
              false,
              "stop when a batch's mean loss exceeds this (divergence); null = no limit",
              JobConfig::positive),
          derived(TrainingSettings.MAX_TASK_FAILURES),
          derived(TrainingSettings.VERBOSE, "auto"),
          new Setting(
              "tensorboard",
              true,
              false,
              "write TensorBoard event files under <output>/tensorboard/train and /validation",
              JobConfig::bool),
          new Setting(
              "tensorboard_update_freq",
              100L,
              false,
              "TensorBoard's batch_loss every this many steps (Keras' update_freq); "
                  + "\"epoch\" = per epoch only",
              JobConfig::updateFreq));

  /**
   * Settings that do not change the weights a run computes: a run may resume a checkpoint written
   * with other values of these.
   */
  static final Set<String> NOT_IDENTITY =
      Set.of(
          "epochs",
          "output",
          "test_data",
          "sync",
          "sync_topology",
          "timeout_seconds",
          "max_task_failures",
          "resume",
          "checkpoint_every_steps",
          "keep_checkpoints",
          "terminate_on_nan",
          "max_loss",
          "tensorboard",
          "tensorboard_update_freq",
          "verbose");

  private final Map<String, Object> values;

  private JobConfig(Map<String, Object> values) {
    this.values = values;
  }

  /**
   * Checks {@code raw} (a parsed config, overrides applied) and fills in defaults.
   *
   * @param origins where each key came from, for errors: key → "--set" or absent (the file)
   * @param source how errors name the file
   */
  public static JobConfig of(Map<String, Object> raw, String source, Map<String, String> origins) {
    for (String key : raw.keySet()) {
      if (!SETTINGS.containsKey(key) && origins.containsKey(key)) {
        // An unknown key given with --set is named as that --set, not as the file's.
        JsonFields.requireOnlyKeys(
            Collections.singletonMap(key, raw.get(key)), SETTINGS.keySet(), origins.get(key));
      }
    }
    JsonFields.requireOnlyKeys(raw, SETTINGS.keySet(), source);
    Map<String, Object> values = new LinkedHashMap<>();
    for (Setting s : SETTINGS.values()) {
      String path = origins.getOrDefault(s.key(), source);
      Object v = raw.get(s.key());
      if (v == null && s.required()) {
        throw new JsonException(
            path + " field '" + s.key() + "': missing field; expected: " + s.description());
      }
      values.put(s.key(), v == null ? s.defaultValue() : s.check().apply(v, path, s.key()));
    }
    if (values.get("validation_data") != null && validationSplit(values) > 0) {
      throw new JsonException(
          ErrorText.problem("validation_data and validation_split are both set")
              .in(source)
              .received(values.get("validation_data") + " and " + values.get("validation_split"))
              .expected("at most one of them")
              .text());
    }
    return new JobConfig(values);
  }

  /**
   * Parses a config file's text and applies {@code --set} overrides in order.
   *
   * @param source how errors name the file, e.g. its path
   */
  public static JobConfig parse(String json, String source, List<String> overrides) {
    Map<String, Object> raw = new LinkedHashMap<>(Json.parseObject(json, source));
    Map<String, String> origins = new HashMap<>();
    for (String o : overrides) {
      ConfigOverrides.apply(raw, o, origins);
    }
    return of(raw, source, origins);
  }

  /** The effective config: every key, defaults filled in; what a job logs and saves. */
  public Map<String, Object> effective() {
    return new LinkedHashMap<>(values);
  }

  public String toJson() {
    return Json.write(values);
  }

  public String model() {
    return (String) values.get("model");
  }

  public String trainData() {
    return (String) values.get("train_data");
  }

  public String validationData() {
    return (String) values.get("validation_data");
  }

  /** The held-out fraction, or 0 when none. */
  public double validationSplit() {
    return validationSplit(values);
  }

  private static double validationSplit(Map<String, Object> values) {
    return ((Number) values.get("validation_split")).doubleValue();
  }

  public String testData() {
    return (String) values.get("test_data");
  }

  public String format() {
    return (String) values.get("format");
  }

  public String imageCol() {
    return (String) values.get("image_col");
  }

  public String labelCol() {
    return (String) values.get("label_col");
  }

  public boolean resize() {
    return (Boolean) values.get("resize");
  }

  public BadFilePolicy badFiles() {
    return BadFilePolicy.valueOf(((String) values.get("bad_files")).toUpperCase(Locale.ROOT));
  }

  /** The label_mode, or null ("auto") to derive it from the loss and the output width. */
  public String labelMode() {
    String mode = (String) values.get("label_mode");
    return mode.equals("auto") ? null : mode;
  }

  public int epochs() {
    return intValue("epochs");
  }

  public int batchSize() {
    return intValue("batch_size");
  }

  public boolean shuffle() {
    return (Boolean) values.get("shuffle");
  }

  public long seed() {
    return ((Number) values.get("seed")).longValue();
  }

  /** The optimizer's Keras config: "name" plus settings. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> optimizer() {
    return (Map<String, Object>) values.get("optimizer");
  }

  public Optimizer buildOptimizer() {
    Map<String, Object> settings = new LinkedHashMap<>(optimizer());
    String name = (String) settings.remove("name");
    return Optimizer.fromConfig(name, settings);
  }

  public String loss() {
    return (String) values.get("loss");
  }

  @SuppressWarnings("unchecked")
  public List<String> metrics() {
    return (List<String>) values.get("metrics");
  }

  public String initWeights() {
    return (String) values.get("init_weights");
  }

  public String output() {
    return (String) values.get("output");
  }

  public double rescale() {
    return ((Number) values.get("rescale")).doubleValue();
  }

  /** The class names, or null (the default, []) to take them from the data. */
  @SuppressWarnings("unchecked")
  public List<String> classNames() {
    List<String> names = (List<String>) values.get("class_names");
    return names.isEmpty() ? null : names;
  }

  /** Partitions of the cached data, or 0 for the default parallelism. */
  public int partitions() {
    return intValue("partitions");
  }

  public String sync() {
    return (String) values.get("sync");
  }

  public String syncTopology() {
    return (String) values.get("sync_topology");
  }

  /** The number of training rows to use, or 0 for all. */
  public long trainLimit() {
    Object v = values.get("train_limit");
    return v == null ? 0 : ((Number) v).longValue();
  }

  public int timeoutSeconds() {
    return intValue("timeout_seconds");
  }

  /** "true", "false" or "auto". */
  public String resume() {
    return String.valueOf(values.get("resume"));
  }

  public int checkpointEverySteps() {
    return intValue("checkpoint_every_steps");
  }

  public int keepCheckpoints() {
    return intValue("keep_checkpoints");
  }

  public boolean terminateOnNaN() {
    return (Boolean) values.get("terminate_on_nan");
  }

  /** Keras' verbose, 0, 1 or 2 ("auto" is 1). */
  public int verbose() {
    return intValue("verbose");
  }

  public boolean tensorBoard() {
    return (Boolean) values.get("tensorboard");
  }

  /** Steps between TensorBoard's batch_loss points, 0 for per epoch only. */
  public int tensorBoardUpdateFreq() {
    Object v = values.get("tensorboard_update_freq");
    return v instanceof Number n ? n.intValue() : 0;
  }

  /** The loss limit, or NaN for none. */
  public double maxLoss() {
    Object v = values.get("max_loss");
    return v == null ? Double.NaN : ((Number) v).doubleValue();
  }

  /** The settings that decide the weights: the effective config without {@link #NOT_IDENTITY}. */
  public Map<String, Object> identity() {
    Map<String, Object> m = new LinkedHashMap<>(values);
    m.keySet().removeAll(NOT_IDENTITY);
    // class_names' default was null before it was declared in TrainingSettings: checkpoints
    // written then still resume.
    m.put("class_names", classNames());
    return m;
  }

  public int maxTaskFailures() {
    return intValue("max_task_failures");
  }

  private int intValue(String key) {
    return ((Number) values.get(key)).intValue();
  }

  /** {"name": "adam", "learning_rate": 0.001}, in this order wherever it is printed. */
  private static Map<String, Object> defaultOptimizer() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", TrainingSettings.OPTIMIZER.defaultValue());
    m.put("learning_rate", TrainingSettings.LEARNING_RATE.defaultValue());
    return Collections.unmodifiableMap(m);
  }

  // ---- checks ----

  private static Map<String, Setting> declare(Setting... settings) {
    Map<String, Setting> m = new LinkedHashMap<>();
    for (Setting s : settings) {
      m.put(s.key(), s);
    }
    return m;
  }

  /** A job config key for a shared setting: its default and range are the declaration's. */
  private static Setting derived(TrainingSetting<?> t, String... aliases) {
    Object def =
        t.type() == Integer.class
            ? (Object) ((Integer) t.defaultValue()).longValue()
            : t.defaultValue();
    List<String> alias = List.of(aliases);
    return new Setting(
        t.key(),
        def,
        false,
        t.description(),
        (v, p, k) -> alias.contains(v) ? def : typed(t, v, p, k));
  }

  /** {@code v} read as {@code t}'s type (integers as Long, as JSON has them) and range-checked. */
  private static Object typed(TrainingSetting<?> t, Object v, String path, String key) {
    Map<String, Object> field = Map.of(key, v);
    Object value;
    if (t.type() == Integer.class || t.type() == Long.class) {
      value = JsonFields.getLong(field, key, path);
    } else if (t.type() == Double.class) {
      value = JsonFields.getDouble(field, key, path);
    } else if (t.type() == Boolean.class) {
      value = JsonFields.getBoolean(field, key, path);
    } else if (t.type() == List.class) {
      value = strings(v, path, key);
    } else {
      value = JsonFields.getString(field, key, path);
    }
    if (!t.accepts(value)) {
      throw JsonFields.fieldError(path, key, v, t.expected());
    }
    return value;
  }

  private static Object string(Object v, String path, String key) {
    return JsonFields.getString(Map.of(key, v), key, path);
  }

  private static Object bool(Object v, String path, String key) {
    return JsonFields.getBoolean(Map.of(key, v), key, path);
  }

  private static Object positiveInt(Object v, String path, String key) {
    return (long) JsonFields.getPositiveInt(Map.of(key, v), key, path);
  }

  private static Object resumeMode(Object v, String path, String key) {
    if (v instanceof Boolean || "auto".equals(v)) {
      return v;
    }
    if ("true".equals(v) || "false".equals(v)) {
      return Boolean.valueOf((String) v);
    }
    throw JsonFields.fieldError(path, key, v, "true, false or \"auto\"");
  }

  private static Object positive(Object v, String path, String key) {
    double d = JsonFields.getDouble(Map.of(key, v), key, path);
    if (!(d > 0)) {
      throw JsonFields.fieldError(path, key, v, "a positive number");
    }
    return d;
  }

  private static Object updateFreq(Object v, String path, String key) {
    return "epoch".equals(v) ? v : positiveInt(v, path, key);
  }

  private static Object choice(Object v, String path, String key, List<String> choices) {
    return JsonFields.getChoice(Map.of(key, v), key, path, choices);
  }

  private static Object strings(Object v, String path, String key) {
    List<Object> list = JsonFields.getList(Map.of(key, v), key, path);
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw JsonFields.fieldError(path, key, v, "an array of strings");
      }
      out.add(s);
    }
    return out;
  }

  private static Object metrics(Object v, String path, String key) {
    @SuppressWarnings("unchecked")
    List<String> list = (List<String>) strings(v, path, key);
    for (String m : list) {
      if (!m.equals("accuracy") && !m.equals("acc")) {
        throw JsonFields.fieldError(path, key, v, "[] or [\"accuracy\"]");
      }
    }
    return list;
  }

  /** "adam" or {"name": "adam", ...}: normalised to the object; settings checked by building it. */
  private static Object optimizer(Object v, String path, String key) {
    Map<String, Object> config;
    if (v instanceof String name) {
      config = new LinkedHashMap<>();
      config.put("name", name);
    } else if (v instanceof Map) {
      config = new LinkedHashMap<>(JsonFields.getObject(Map.of(key, v), key, path));
    } else {
      throw JsonFields.fieldError(
          path,
          key,
          v,
          "an optimizer name (\"adam\", \"sgd\") or an "
              + "object {\"name\": \"adam\", \"learning_rate\": 0.001, ...}");
    }
    String name =
        JsonFields.getChoice(
            config, "name", path + " field '" + key + "'", TrainingSettings.OPTIMIZER.choices());
    Map<String, Object> settings = new LinkedHashMap<>(config);
    settings.remove("name");
    try {
      Optimizer.fromConfig(name, settings);
    } catch (IllegalArgumentException e) {
      throw new JsonException(path + " field '" + key + "': " + e.getMessage());
    }
    return config;
  }
}
