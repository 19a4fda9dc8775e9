package org.sparkcnn.interop.keras;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Optimizer;

/**
 * The loss, optimizer and metrics a Keras model was compiled with: Keras 3's {@code compile_config}
 * (a .keras archive's config.json) or a legacy .h5 file's {@code training_config} attribute.
 * Applied to the imported model so that evaluating it uses the loss it was trained with (a sigmoid
 * model compiled with {@code binary_crossentropy} is not evaluated with a softmax loss) and
 * fine-tuning continues with its optimizer settings.
 *
 * <p>Compile settings never change what the model computes, so settings this engine cannot
 * reproduce (a loss with {@code from_logits}, gradient clipping, weight decay, a learning-rate
 * schedule) do not stop the import: the model is imported uncompiled and the reason is reported.
 */
final class KerasCompileSettings {

  /** Keras 3 optimizer keys whose value here means "off": they may be present with that value. */
  private static final Map<String, Object> OFF_VALUES = offValues();

  /** Optimizer keys that say how Keras runs, not what it computes. */
  private static final Set<String> EXECUTION_ONLY = Set.of("jit_compile");

  /** Keras 3 optimizer keys that only matter when another key turns them on. */
  private static final Set<String> DORMANT = Set.of("ema_momentum", "ema_overwrite_frequency");

  /** Keras loss class names (Keras 3 serialises objects) → the names compile() takes. */
  private static final Map<String, String> LOSS_CLASSES =
      Map.of(
          "SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
          "CategoricalCrossentropy", "categorical_crossentropy",
          "BinaryCrossentropy", "binary_crossentropy",
          "MeanSquaredError", "mse");

  private KerasCompileSettings() {}

  /**
   * Compiles {@code model} with the settings in {@code config} when they are ones this engine
   * reproduces and records what was done in {@code facts} ("compiled_with", or "compile_skipped"
   * with the reason). Does nothing when the file holds no compile settings.
   *
   * @param config {@code compile_config} or {@code training_config}, or null
   */
  static void apply(Sequential model, Map<String, Object> config, Map<String, Object> facts) {
    if (config == null) {
      return;
    }
    try {
      String loss = lossName(config.get("loss"));
      Object optimizerConfig =
          config.containsKey("optimizer")
              ? config.get("optimizer")
              : config.get("optimizer_config");
      Optimizer optimizer = optimizer(optimizerConfig);
      String[] metrics = metrics(config.get("metrics"));
      model.compile(loss, optimizer, metrics);
      facts.put("compiled_with", loss + ", " + optimizer.kerasName());
    } catch (IllegalArgumentException e) {
      facts.put("compile_skipped", e.getMessage());
    }
  }

  private static String lossName(Object loss) {
    if (loss instanceof String name) {
      return name;
    }
    if (loss instanceof Map<?, ?> object && object.get("class_name") instanceof String cls) {
      String name = LOSS_CLASSES.get(cls);
      if (name == null) {
        throw new IllegalArgumentException(
            "loss " + cls + " is not supported; supported: " + LOSS_CLASSES.keySet());
      }
      if (object.get("config") instanceof Map<?, ?> c) {
        if (Boolean.TRUE.equals(c.get("from_logits"))) {
          throw new IllegalArgumentException(
              "loss "
                  + cls
                  + " with from_logits=true is not supported (the model's last layer"
                  + " must apply the activation)");
        }
        if (c.get("label_smoothing") instanceof Number s && s.doubleValue() != 0) {
          throw new IllegalArgumentException(
              "loss " + cls + " with label_smoothing=" + s + " is not supported");
        }
      }
      return name;
    }
    throw ErrorText.problem("unsupported loss")
        .received(loss)
        .expected("one loss named by a string or a Keras loss")
        .illegalArgument();
  }

  private static Optimizer optimizer(Object config) {
    if (config instanceof String name) {
      return Optimizer.fromConfig(name, Map.of());
    }
    if (!(config instanceof Map<?, ?> object)
        || !(object.get("class_name") instanceof String cls)) {
      throw new IllegalArgumentException("optimizer " + config + " is not supported");
    }
    Map<String, Object> settings = new LinkedHashMap<>();
    if (object.get("config") instanceof Map<?, ?> c) {
      boolean ema = Boolean.TRUE.equals(c.get("use_ema"));
      for (Map.Entry<?, ?> e : c.entrySet()) {
        String key = String.valueOf(e.getKey());
        Object value = e.getValue();
        if (OFF_VALUES.containsKey(key) && equalsOff(OFF_VALUES.get(key), value)) {
          continue;
        }
        if (EXECUTION_ONLY.contains(key) || (DORMANT.contains(key) && !ema)) {
          continue;
        }
        if (value instanceof Map<?, ?>) {
          throw new IllegalArgumentException(
              cls + " " + key + " is an object (a schedule?); supported: a number");
        }
        settings.put(key, value);
      }
    }
    return Optimizer.fromConfig(cls.toLowerCase(Locale.ROOT), settings);
  }

  private static boolean equalsOff(Object off, Object value) {
    if (off == null || value == null) {
      return off == value;
    }
    if (off instanceof Number a && value instanceof Number b) {
      return a.doubleValue() == b.doubleValue();
    }
    return off.equals(value);
  }

  private static String[] metrics(Object metrics) {
    if (!(metrics instanceof List<?> list)) {
      return new String[0];
    }
    for (Object m : list) {
      String name =
          m instanceof Map<?, ?> object
              ? String.valueOf(object.get("class_name"))
              : String.valueOf(m);
      if (name.equalsIgnoreCase("accuracy")
          || name.equals("acc")
          || name.endsWith("Accuracy")
          || name.endsWith("_accuracy")) {
        return new String[] {"accuracy"};
      }
    }
    return new String[0];
  }

  private static Map<String, Object> offValues() {
    Map<String, Object> off = new LinkedHashMap<>();
    for (String key :
        List.of(
            "weight_decay",
            "clipnorm",
            "global_clipnorm",
            "clipvalue",
            "loss_scale_factor",
            "gradient_accumulation_steps")) {
      off.put(key, null);
    }
    off.put("is_legacy_optimizer", false);
    off.put("use_ema", false);
    off.put("decay", 0.0);
    return off;
  }
}
