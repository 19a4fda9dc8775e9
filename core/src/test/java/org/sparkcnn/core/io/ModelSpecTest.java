package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Shape;

/** The Keras model.to_json() spec: read, written back identically, and strictly validated. */
class ModelSpecTest {

  static String seedSpec() throws IOException {
    return resource("/seed-cnn.keras.json");
  }

  static String resource(String name) throws IOException {
    try (InputStream in = ModelSpecTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsTheKerasSeedModel() throws IOException {
    Sequential m = ModelSpec.fromJson(seedSpec(), "seed-cnn.keras.json");
    assertEquals(121_930, m.paramCount());
    assertEquals(Shape.of(28, 28, 1), m.inputShape());
    assertEquals(
        List.of(
            "conv2d",
            "max_pooling2d",
            "conv2d_1",
            "max_pooling2d_1",
            "flatten",
            "dense",
            "dense_1"),
        m.layers().stream().map(Layer::name).toList());
    assertEquals(Shape.of(10), m.outputShape());
  }

  @Test
  void writesBackExactlyWhatTfKeras2Wrote() throws IOException {
    String spec = seedSpec();
    Sequential m = ModelSpec.fromJson(spec, "seed");
    assertEquals(
        Json.parse(spec, "keras"),
        Json.parse(ModelSpec.toJson(m, ModelSpec.Format.TF_KERAS_2), "ours"));
    Sequential again = ModelSpec.fromJson(ModelSpec.toJson(m), "round trip");
    assertEquals(m.summary(), again.summary());
  }

  /**
   * Keras 3.15's to_json() of the seed CNN and of a model using every supported layer (made by
   * interop/src/test/resources/keras3/make_fixtures.py): read, and written back identically but for
   * compile_config, which Keras writes even for an uncompiled model and we leave out.
   */
  @Test
  void readsAndWritesBackExactlyWhatKeras3Wrote() throws IOException {
    for (String name : List.of("seed-cnn.keras3.json", "all-layers.keras3.json")) {
      String spec = resource("/keras3/" + name);
      Sequential m = ModelSpec.fromJson(spec, name);
      Map<String, Object> keras = Json.parseObject(spec, name);
      assertEquals(Map.of(), keras.remove("compile_config"));
      assertEquals(keras, Json.parse(ModelSpec.toJson(m), "ours"), name);
      assertEquals(keras, Json.parse(ModelSpec.toJson(ModelSpec.fromJson(spec, name)), "again"));
    }
    Sequential keras3 = ModelSpec.fromJson(resource("/keras3/seed-cnn.keras3.json"), "k3");
    Sequential tfKeras2 = ModelSpec.fromJson(seedSpec(), "k2");
    assertEquals(tfKeras2.summary(), keras3.summary());
    Sequential all = ModelSpec.fromJson(resource("/keras3/all-layers.keras3.json"), "all");
    assertEquals("net", all.name());
    assertEquals(
        List.of(
            "Conv2D",
            "MaxPooling2D",
            "Conv2D",
            "Activation",
            "AveragePooling2D",
            "Flatten",
            "Dropout",
            "Dense",
            "Dense",
            "Activation"),
        all.layers().stream().map(Layer::kerasClassName).toList());
    assertEquals(Shape.of(3), all.outputShape());
  }

  /** A .keras archive's config.json: shared_object_id in policies, a filled compile_config. */
  @Test
  @SuppressWarnings("unchecked")
  void ignoresKeras3FieldsThatDoNotChangeTheComputation() throws IOException {
    String original = resource("/keras3/all-layers.keras3.json");
    Map<String, Object> spec = Json.parseObject(original, "all-layers");
    Map<String, Object> config = (Map<String, Object>) spec.get("config");
    Map<String, Object> policy = (Map<String, Object>) config.get("dtype");
    policy.put("shared_object_id", 140325612843280L);
    policy.put("class_name", "FloatDTypePolicy");
    for (Object layer : (List<Object>) config.get("layers")) {
      Map<String, Object> c = (Map<String, Object>) ((Map<String, Object>) layer).get("config");
      if (c.get("dtype") instanceof Map) {
        c.put("dtype", policy);
      }
    }
    spec.put("compile_config", Map.of("loss", "sparse_categorical_crossentropy"));
    String configJson = Json.write(spec);
    assertTrue(configJson.contains("shared_object_id") && configJson.contains("\"loss\""));
    assertEquals(
        ModelSpec.fromJson(original, "a").summary(),
        ModelSpec.fromJson(configJson, "config.json").summary());
  }

  @Test
  void refusesKeras3SettingsThatChangeTheComputation() throws IOException {
    String spec = resource("/keras3/all-layers.keras3.json");
    assertRejected(
        spec.replaceFirst("\"name\": \"float32\"", "\"name\": \"mixed_float16\""),
        "dtype",
        "mixed_float16",
        "not supported",
        "float32");
    assertRejected(
        spec.replaceFirst("\"quantization_config\": null", "\"quantization_config\": {}"),
        "layer 8 'dense' (Dense) field 'quantization_config'",
        "not supported");
    assertRejected(
        spec.replace("\"optional\": false", "\"optional\": true"),
        "'input_layer' (InputLayer) field 'optional'",
        "not supported");
    assertRejected(spec.replace("\"ragged\": false", "\"ragged\": true"), "'ragged'");
    assertRejected(
        spec.replaceFirst(
            "\"class_name\": \"DTypePolicy\"", "\"class_name\": \"QuantizedDTypePolicy\""),
        "QuantizedDTypePolicy",
        "not supported");
    assertRejected(
        spec.replace("\"class_name\": \"Flatten\"", "\"class_name\": \"Reshape\""),
        "unsupported layer type",
        "\"Reshape\"",
        "AveragePooling2D",
        "Flatten");
  }

  private static void assertRejected(String json, String... parts) {
    Exception e =
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromJson(json, "spec.json"));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "message lacks \"" + p + "\": " + e.getMessage());
    }
  }

  private static String oneLayer(String cls, String config) {
    return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": ["
        + "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 8, 8, 1]}},"
        + "{\"class_name\": \""
        + cls
        + "\", \"config\": "
        + config
        + "}]}}";
  }

  @Test
  void rejectsUnknownLayersArgumentsAndUnsupportedValues() {
    assertRejected(
        oneLayer("LSTM", "{\"units\": 4}"),
        "unsupported layer type",
        "\"LSTM\"",
        "Conv2D",
        "MaxPooling2D");
    assertRejected(
        oneLayer(
            "Conv2D", "{\"name\": \"c\", \"filters\": 4, \"kernel_size\": 3, " + "\"filter\": 4}"),
        "layer 1 'c' (Conv2D)",
        "filter");
    assertRejected(
        oneLayer("Conv2D", "{\"filters\": 4, \"kernel_size\": 3, " + "\"dilation_rate\": [2, 2]}"),
        "dilation_rate",
        "not supported",
        "[1, 1]");
    assertRejected(oneLayer("Conv2D", "{\"filters\": 4.5, \"kernel_size\": 3}"), "filters", "4.5");
    assertRejected(
        oneLayer(
            "Conv2D",
            "{\"filters\": 4, \"kernel_size\": 3, " + "\"data_format\": \"channels_first\"}"),
        "data_format",
        "channels_last");
    assertRejected(oneLayer("Dense", "{\"units\": 4}"), "Dense", "(8, 8, 1)", "Flatten");
    assertRejected(
        oneLayer("Dense", "{\"units\": 4, \"kernel_regularizer\": {\"class_name\":" + " \"L2\"}}"),
        "kernel_regularizer",
        "not supported");
    assertRejected(
        oneLayer("Conv2D", "{\"filters\": 4, \"kernel_size\": 3, " + "\"activation\": \"swish\"}"),
        "\"swish\"",
        "relu");
    assertRejected(
        "{\"class_name\": \"Functional\", \"config\": {}}", "\"Functional\"", "Sequential");
    assertRejected(
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\":"
            + " \"Flatten\", \"config\": {}}]}}",
        "no input shape",
        "batch_input_shape");
    assertRejected("[1, 2", "spec.json:1:");
  }

  @Test
  void acceptsKerasShorthands() {
    // kernel_size as one int, initializer as a string, input shape on the first layer.
    Sequential m =
        ModelSpec.fromJson(
            "{\"class_name\": \"Sequential\", \"config\": {\"layers\":"
                + " [{\"class_name\": \"Conv2D\", \"config\": {\"batch_input_shape\": [null, 9, 9, 2],"
                + " \"filters\": 3, \"kernel_size\": 3, \"strides\": 2, \"padding\": \"same\","
                + " \"kernel_initializer\": \"he_normal\"}}, {\"class_name\": \"Flatten\", \"config\":"
                + " {}}, {\"class_name\": \"Dropout\", \"config\": {\"rate\": 0.5}}, {\"class_name\":"
                + " \"Dense\", \"config\": {\"units\": 2, \"activation\": \"sigmoid\"}}]}}",
            "short");
    assertEquals(Shape.of(5, 5, 3), m.layers().get(0).outputShape());
    assertEquals(3 * 3 * 2 * 3 + 3 + 75 * 2 + 2, m.paramCount());
  }
}
