package org.sparkcnn.core.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.layers.ActivationLayer;
import org.sparkcnn.core.layers.AveragePooling2D;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.layers.Pooling2D;
import org.sparkcnn.core.model.Sequential;

/**
 * The model spec: the JSON Keras' {@code model.to_json()} writes for a Sequential model, read into
 * a {@link Sequential} and written back from one. Reads what tf.keras 2.x and Keras 3 write (and a
 * {@code .keras} archive's config.json); writes Keras 3's form by default, which {@code
 * keras.models.model_from_json} loads as it is. Layer arguments use Keras' names and defaults.
 *
 * <p>What does not change the computation is ignored: Keras 3's {@code module}, {@code
 * registered_name}, {@code build_config}, {@code compile_config}, float32 dtype policies, null
 * quantization settings. Arguments this engine does not implement (dilation, groups,
 * channels_first, regularizers, constraints, other dtypes, quantization) are rejected with an error
 * rather than ignored.
 */
public final class ModelSpec {
  /** The Keras version the tf.keras 2.x form names; that format was stable across 2.x. */
  public static final String KERAS_VERSION = "2.11.0";

  /** Which Keras writes the JSON. */
  public enum Format {
    /** Keras 3 (tf.keras since TensorFlow 2.16): what model_from_json loads without help. */
    KERAS_3,
    /** tf.keras 2.x (TensorFlow up to 2.15): no module fields, dtypes as strings. */
    TF_KERAS_2
  }

  /** The dtype policy classes Keras writes for a plain float32 layer (3.x, 3.0-3.5, 2.x). */
  private static final Set<String> DTYPE_POLICIES =
      Set.of("DTypePolicy", "FloatDTypePolicy", "Policy");

  private static final Set<String> SUPPORTED =
      new TreeSet<>(
          List.of(
              "InputLayer",
              "Conv2D",
              "MaxPooling2D",
              "AveragePooling2D",
              "Dense",
              "Flatten",
              "Dropout",
              "Activation"));
  private static final Set<String> COMMON =
      Set.of("name", "trainable", "dtype", "batch_input_shape", "input_shape");

  /** Keras 3 adds these to Dense and Conv2D; null (or absent) is the only supported value. */
  private static final List<String> KERAS3_WEIGHT_EXTRAS =
      List.of("quantization_config", "lora_rank", "lora_alpha");

  /** The keys Conv2D and Dense share: the settings of a layer with a kernel and a bias. */
  private static final Set<String> WEIGHTED_KEYS =
      union(
          COMMON,
          "activation",
          "use_bias",
          "kernel_initializer",
          "bias_initializer",
          "kernel_regularizer",
          "bias_regularizer",
          "activity_regularizer",
          "kernel_constraint",
          "bias_constraint",
          "lora_rank",
          "lora_alpha");

  private static final Set<String> CONV_KEYS =
      union(
          WEIGHTED_KEYS,
          "filters",
          "kernel_size",
          "strides",
          "padding",
          "data_format",
          "dilation_rate",
          "groups");
  private static final Set<String> DENSE_KEYS =
      union(WEIGHTED_KEYS, "units", "quantization_config");
  private static final Set<String> POOL_KEYS =
      union(COMMON, "pool_size", "strides", "padding", "data_format");

  private ModelSpec() {}

  /** Builds the model a spec describes (weights initialised from the model's seed, 0). */
  public static Sequential fromJson(String json, String source) {
    String kind = KerasFileKind.of(json);
    if (kind != null) {
      throw new JsonException(
          source
              + ": "
              + ErrorText.of(
                  "not a JSON model spec",
                  kind,
                  "model.to_json() JSON",
                  KerasFileKind.IMPORT_HINT));
    }
    Map<String, Object> root = JsonFields.asObject(Json.parse(json, source), source);
    JsonFields.requireOnlyKeys(
        root,
        Set.of(
            "class_name",
            "config",
            "keras_version",
            "backend",
            "module",
            "registered_name",
            "build_config",
            "compile_config"),
        source);
    String cls = JsonFields.getString(root, "class_name", source);
    if (!cls.equals("Sequential")) {
      throw new JsonException(
          source
              + ": "
              + ErrorText.of(
                  "unsupported model class",
                  "\"" + cls + "\"",
                  "\"Sequential\"",
                  "only Sequential models are supported; save the model with a Sequential API"));
    }
    Map<String, Object> config = JsonFields.getObject(root, "config", source);
    JsonFields.requireOnlyKeys(
        config,
        Set.of("name", "layers", "trainable", "dtype", "build_input_shape"),
        source + " config");
    common(config, source + " config");
    Sequential model =
        new Sequential(
            JsonFields.getOptionalString(config, "name", source + " config", "sequential"));
    List<Map<String, Object>> layers = JsonFields.getObjectList(config, "layers", source);
    if (layers.isEmpty()) {
      throw new JsonException(
          source
              + ": "
              + ErrorText.of("the model has no layers", "[]", "at least one layer", null));
    }
    for (int i = 0; i < layers.size(); i++) {
      Map<String, Object> spec = layers.get(i);
      String path = source + " layers[" + i + "]";
      JsonFields.requireOnlyKeys(
          spec,
          Set.of(
              "class_name", "config", "module", "registered_name", "build_config", "inbound_nodes"),
          path);
      String layerClass = JsonFields.getString(spec, "class_name", path);
      Map<String, Object> c = JsonFields.getObject(spec, "config", path);
      path = source + " layer " + i + " '" + c.getOrDefault("name", "?") + "' (" + layerClass + ")";
      if (layerClass.equals("InputLayer")) {
        if (i != 0) {
          throw new JsonException(
              path
                  + ": "
                  + ErrorText.of(
                      "InputLayer must come first",
                      "an InputLayer at position " + i,
                      "it at position 0",
                      null));
        }
        JsonFields.requireOnlyKeys(
            c,
            Set.of(
                "batch_input_shape",
                "batch_shape",
                "dtype",
                "sparse",
                "ragged",
                "name",
                "optional"),
            path);
        common(c, path);
        for (String flag : List.of("sparse", "ragged", "optional")) {
          if (JsonFields.getOptionalBoolean(c, flag, path, false)) {
            throw unsupported(path, flag, true, "false (dense float32 images)");
          }
        }
        model.input(
            inputShape(
                c, path, c.containsKey("batch_shape") ? "batch_shape" : "batch_input_shape"));
        continue;
      }
      if (model.layers().isEmpty() && model.inputShape() == null) {
        String key =
            c.get("batch_input_shape") != null
                ? "batch_input_shape"
                : c.get("input_shape") != null ? "input_shape" : null;
        if (key == null) {
          throw new JsonException(
              path
                  + ": "
                  + ErrorText.of(
                      "the model has no input shape",
                      "no InputLayer and no batch_input_shape on the first layer",
                      "an InputLayer with batch_input_shape [null, height, width, channels]",
                      "build the Keras model with an input_shape before calling to_json()"));
        }
        model.input(inputShape(c, path, key));
      }
      try {
        model.add(layer(layerClass, c, path));
      } catch (JsonException e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new JsonException(path + ": " + e.getMessage());
      }
    }
    return model;
  }

  /** The spec of a model, as Keras 3's model.to_json() would write it (pretty-printed). */
  public static String toJson(Sequential model) {
    return toJson(model, Format.KERAS_3);
  }

  /** The spec of a model in the given Keras' form (pretty-printed). */
  public static String toJson(Sequential model, Format format) {
    return Json.write(format == Format.KERAS_3 ? Keras3Json.spec(model) : tfKeras2(model));
  }

  /** As tf.keras 2.x's model.to_json() wrote it. */
  private static Map<String, Object> tfKeras2(Sequential model) {
    List<Object> layers = new ArrayList<>();
    Map<String, Object> input = new LinkedHashMap<>();
    List<Object> shape = new ArrayList<>();
    shape.add(null);
    for (int d : model.inputShape().dims()) {
      shape.add(d);
    }
    input.put("batch_input_shape", shape);
    input.put("dtype", "float32");
    input.put("sparse", false);
    input.put("ragged", false);
    input.put("name", model.layers().get(0).name() + "_input");
    layers.add(entry("InputLayer", input));
    for (Layer l : model.layers()) {
      layers.add(entry(l.kerasClassName(), l.config()));
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", model.name());
    config.put("layers", layers);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("class_name", "Sequential");
    root.put("config", config);
    root.put("keras_version", KERAS_VERSION);
    root.put("backend", "tensorflow");
    return root;
  }

  private static Map<String, Object> entry(String cls, Map<String, Object> config) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class_name", cls);
    m.put("config", config);
    return m;
  }

  private static int[] inputShape(Map<String, Object> c, String path, String key) {
    List<Object> dims = JsonFields.getList(c, key, path);
    boolean batched = !key.equals("input_shape");
    int start = batched ? 1 : 0;
    if ((batched && (dims.isEmpty() || dims.get(0) != null)) || dims.size() <= start) {
      throw JsonFields.fieldError(
          path,
          key,
          dims,
          batched
              ? "[null, height, width, channels] (the batch dimension first, as null)"
              : "[height, width, channels]");
    }
    int[] shape = new int[dims.size() - start];
    for (int i = start; i < dims.size(); i++) {
      Object d = dims.get(i);
      if (!(d instanceof Long) || (Long) d <= 0 || (Long) d > Integer.MAX_VALUE) {
        throw JsonFields.fieldError(path, key, dims, "positive integer dimensions after the batch");
      }
      shape[i - start] = (int) (long) (Long) d;
    }
    return shape;
  }

  private static Layer layer(String cls, Map<String, Object> c, String path) {
    Layer layer =
        switch (cls) {
          case "Conv2D" -> conv2d(c, path);
          case "MaxPooling2D" -> pooling(new MaxPooling2D(1), c, path);
          case "AveragePooling2D" -> pooling(new AveragePooling2D(1), c, path);
          case "Dense" -> dense(c, path);
          case "Flatten" -> {
            JsonFields.requireOnlyKeys(c, union(COMMON, "data_format"), path);
            channelsLast(c, path);
            yield new Flatten();
          }
          case "Dropout" -> {
            JsonFields.requireOnlyKeys(c, union(COMMON, "rate", "noise_shape", "seed"), path);
            if (c.get("noise_shape") != null) {
              throw unsupported(path, "noise_shape", c.get("noise_shape"), "null");
            }
            Object seed = c.get("seed");
            yield new Dropout(JsonFields.getDouble(c, "rate", path))
                .seed(seed == null ? null : JsonFields.getLong(c, "seed", path));
          }
          case "Activation" -> {
            JsonFields.requireOnlyKeys(c, union(COMMON, "activation"), path);
            yield new ActivationLayer(JsonFields.getString(c, "activation", path));
          }
          default ->
              throw new JsonException(
                  path
                      + ": "
                      + ErrorText.of(
                          "unsupported layer type",
                          "\"" + cls + "\"",
                          "one of " + SUPPORTED,
                          null));
        };
    common(c, path);
    String name = JsonFields.getOptionalString(c, "name", path, null);
    if (name != null) {
      layer.setName(name);
    }
    return layer;
  }

  private static Conv2D conv2d(Map<String, Object> c, String path) {
    JsonFields.requireOnlyKeys(c, CONV_KEYS, path);
    channelsLast(c, path);
    int[] kernel = JsonFields.getPositiveIntPair(c, "kernel_size", path);
    int[] strides = JsonFields.getOptionalPositiveIntPair(c, "strides", path, new int[] {1, 1});
    int[] dilation =
        JsonFields.getOptionalPositiveIntPair(c, "dilation_rate", path, new int[] {1, 1});
    if (dilation[0] != 1 || dilation[1] != 1) {
      throw unsupported(path, "dilation_rate", c.get("dilation_rate"), "[1, 1]");
    }
    if (JsonFields.getOptionalInt(c, "groups", path, 1) != 1) {
      throw unsupported(path, "groups", c.get("groups"), "1");
    }
    Conv2D conv =
        new Conv2D(JsonFields.getPositiveInt(c, "filters", path), kernel[0], kernel[1])
            .strides(strides[0], strides[1])
            .padding(JsonFields.getOptionalString(c, "padding", path, "valid"))
            .activation(activation(c, path))
            .useBias(JsonFields.getOptionalBoolean(c, "use_bias", path, true))
            .kernelInitializer(initializer(c, "kernel_initializer", path, "glorot_uniform"));
    weightExtras(c, path);
    return conv;
  }

  private static Dense dense(Map<String, Object> c, String path) {
    JsonFields.requireOnlyKeys(c, DENSE_KEYS, path);
    Dense dense =
        new Dense(JsonFields.getPositiveInt(c, "units", path))
            .activation(activation(c, path))
            .useBias(JsonFields.getOptionalBoolean(c, "use_bias", path, true))
            .kernelInitializer(initializer(c, "kernel_initializer", path, "glorot_uniform"));
    weightExtras(c, path);
    return dense;
  }

  private static <T extends Pooling2D<T>> T pooling(T layer, Map<String, Object> c, String path) {
    JsonFields.requireOnlyKeys(c, POOL_KEYS, path);
    channelsLast(c, path);
    int[] pool = JsonFields.getOptionalPositiveIntPair(c, "pool_size", path, new int[] {2, 2});
    layer.poolSize(pool[0], pool[1]);
    if (c.get("strides") != null) {
      int[] s = JsonFields.getPositiveIntPair(c, "strides", path);
      layer.strides(s[0], s[1]);
    }
    return layer.padding(JsonFields.getOptionalString(c, "padding", path, "valid"));
  }

  private static String activation(Map<String, Object> c, String path) {
    return JsonFields.getOptionalString(c, "activation", path, "linear");
  }

  /** An initializer as a string ("glorot_uniform") or Keras' {"class_name": ..} object. */
  private static String initializer(
      Map<String, Object> c, String key, String path, String fallback) {
    Object v = c.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof String s) {
      return s;
    }
    Map<String, Object> m = JsonFields.asObject(v, path + " field '" + key + "'");
    return JsonFields.getString(m, "class_name", path + " field '" + key + "'");
  }

  private static void weightExtras(Map<String, Object> c, String path) {
    String bias = initializer(c, "bias_initializer", path, "zeros");
    if (!bias.equals("zeros") && !bias.equals("Zeros")) {
      throw unsupported(path, "bias_initializer", c.get("bias_initializer"), "Zeros");
    }
    for (String key :
        List.of(
            "kernel_regularizer",
            "bias_regularizer",
            "activity_regularizer",
            "kernel_constraint",
            "bias_constraint")) {
      if (c.get(key) != null) {
        throw unsupported(path, key, c.get(key), "null");
      }
    }
    for (String key : KERAS3_WEIGHT_EXTRAS) {
      if (c.get(key) != null) {
        throw unsupported(path, key, c.get(key), "null");
      }
    }
  }

  private static void channelsLast(Map<String, Object> c, String path) {
    String format = JsonFields.getOptionalString(c, "data_format", path, "channels_last");
    if (!format.equals("channels_last")) {
      throw unsupported(path, "data_format", format, "\"channels_last\"");
    }
  }

  private static void common(Map<String, Object> c, String path) {
    if (!JsonFields.getOptionalBoolean(c, "trainable", path, true)) {
      throw unsupported(path, "trainable", false, "true");
    }
    if (!dtypeName(c.get("dtype"), path).equals("float32")) {
      throw unsupported(
          path, "dtype", c.get("dtype"), "\"float32\" or a DTypePolicy named \"float32\"");
    }
  }

  /**
   * A layer's dtype: a string (tf.keras 2.x, InputLayer) or a dtype policy object ({"class_name":
   * "DTypePolicy", "config": {"name": "float32"}}, Keras 3), whose name is what computes.
   */
  private static String dtypeName(Object dtype, String path) {
    if (dtype == null) {
      return "float32";
    }
    if (dtype instanceof String s) {
      return s;
    }
    if (dtype instanceof Map) {
      Map<String, Object> policy = JsonFields.asObject(dtype, path + " field 'dtype'");
      String cls = JsonFields.getOptionalString(policy, "class_name", path, "");
      Object config = policy.get("config");
      if (DTYPE_POLICIES.contains(cls) && config instanceof Map) {
        return JsonFields.getOptionalString(
            JsonFields.asObject(config, path), "name", path + " field 'dtype'", "float32");
      }
    }
    throw unsupported(path, "dtype", dtype, "\"float32\" or a DTypePolicy named \"float32\"");
  }

  private static JsonException unsupported(
      String path, String key, Object received, String expected) {
    return new JsonException(
        path
            + " field '"
            + key
            + "': "
            + ErrorText.of(
                "not supported by spark-cnn", ErrorText.describe(received), expected, null));
  }

  private static Set<String> union(Set<String> base, String... more) {
    Set<String> s = new TreeSet<>(base);
    s.addAll(Arrays.asList(more));
    return s;
  }
}
