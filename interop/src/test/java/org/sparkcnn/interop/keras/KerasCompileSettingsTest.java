package org.sparkcnn.interop.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.Sequential;

/** Keras' compile settings, in the forms Keras 3 and tf.keras 2 write them. */
class KerasCompileSettingsTest {

  private static Sequential sigmoidModel() {
    return ModelSpec.fromJson(
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4, 4, 1]}},
          {"class_name": "Flatten", "config": {}},
          {"class_name": "Dense", "config": {"units": 1, "activation": "sigmoid"}}]}}
        """,
        "test");
  }

  /** A fresh model after KerasCompileSettings.apply, and the facts it recorded. */
  private record Compiled(Sequential model, Map<String, Object> facts) {}

  private static Compiled compile(String compileConfig) {
    Sequential model = sigmoidModel();
    Map<String, Object> facts = new LinkedHashMap<>();
    KerasCompileSettings.apply(model, Json.parseObject(compileConfig, "test"), facts);
    return new Compiled(model, facts);
  }

  @Test
  void keras3ObjectsWithTheirDefaultsCompileTheModel() {
    Compiled c =
        compile(
            """
            {"optimizer": {"module": "keras.optimizers", "class_name": "SGD", "config": {
               "name": "SGD", "learning_rate": 0.05, "weight_decay": null, "clipnorm": null,
               "global_clipnorm": null, "clipvalue": null, "use_ema": false,
               "ema_momentum": 0.99, "ema_overwrite_frequency": null,
               "loss_scale_factor": null, "gradient_accumulation_steps": null,
               "momentum": 0.9, "nesterov": false}, "registered_name": null},
             "loss": {"module": "keras.losses", "class_name": "BinaryCrossentropy", "config": {
               "name": "binary_crossentropy", "reduction": "sum_over_batch_size",
               "from_logits": false, "label_smoothing": 0.0, "axis": -1}},
             "metrics": [{"class_name": "BinaryAccuracy", "config": {"threshold": 0.5}}]}
            """);
    assertEquals("binary_crossentropy, sgd", c.facts().get("compiled_with"));
    assertEquals("binary_crossentropy", c.model().loss().kerasName());
    assertEquals(
        0.05, ((Number) c.model().optimizer().config().get("learning_rate")).doubleValue(), 1e-7);
    assertEquals(
        0.9, ((Number) c.model().optimizer().config().get("momentum")).doubleValue(), 1e-7);
    assertTrue(c.model().accuracy() != null);
  }

  @Test
  void tfKeras2TrainingConfigCompilesTheModel() {
    Compiled c =
        compile(
            """
            {"loss": "binary_crossentropy", "metrics": ["acc"],
             "optimizer_config": {"class_name": "Adam", "config": {"name": "Adam",
               "learning_rate": 0.002, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
               "epsilon": 1e-07, "amsgrad": false, "is_legacy_optimizer": false,
               "jit_compile": true}}}
            """);
    assertEquals("binary_crossentropy, adam", c.facts().get("compiled_with"));
    assertEquals(
        0.002, ((Number) c.model().optimizer().config().get("learning_rate")).doubleValue(), 1e-9);
  }

  @Test
  void settingsThatChangeTrainingLeaveTheModelUncompiledWithTheReason() {
    String[][] cases = {
      {
        "{\"loss\": {\"class_name\": \"BinaryCrossentropy\", \"config\": {\"from_logits\": true}},"
            + " \"optimizer\": \"adam\"}",
        "from_logits=true"
      },
      {
        "{\"loss\": \"binary_crossentropy\", \"optimizer\": {\"class_name\": \"Adam\","
            + " \"config\": {\"learning_rate\": 0.001, \"clipnorm\": 1.0}}}",
        "clipnorm"
      },
      {
        "{\"loss\": \"binary_crossentropy\", \"optimizer\": {\"class_name\": \"Adam\", \"config\":"
            + " {\"learning_rate\": {\"class_name\": \"ExponentialDecay\"}}}}",
        "schedule"
      },
      {"{\"loss\": \"huber\", \"optimizer\": \"adam\"}", "huber"},
      {"{\"loss\": \"binary_crossentropy\", \"optimizer\": \"rmsprop\"}", "rmsprop"},
    };
    for (String[] c : cases) {
      Compiled compiled = compile(c[0]);
      assertNull(compiled.model().loss(), c[0]);
      assertNull(compiled.facts().get("compiled_with"), c[0]);
      String reason = String.valueOf(compiled.facts().get("compile_skipped"));
      assertTrue(reason.contains(c[1]), c[0] + " → " + reason);
    }
  }
}
