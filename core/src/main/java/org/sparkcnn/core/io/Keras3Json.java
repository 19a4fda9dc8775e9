package org.sparkcnn.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Shape;

/**
 * A Sequential model as Keras 3's {@code model.to_json()} writes it (checked against Keras 3.15.1
 * on an uncompiled model): every serialized object carries {@code module} and {@code
 * registered_name}, dtypes are {@code DTypePolicy} objects, and layers that define their own {@code
 * build()} record the input shape they were built with. {@code keras.models.model_from_json} needs
 * the {@code module} fields to find the classes.
 *
 * <p>Layers write their tf.keras 2.x config ({@link Layer#config()}); this class turns it into
 * Keras 3's, so each layer's arguments are declared once.
 */
final class Keras3Json {
  /** Keras 3 layers with their own build(): to_json() writes their build_config. */
  private static final Set<String> BUILT_LAYERS = Set.of("Conv2D", "Dense", "Flatten");

  private static final String INITIALIZERS = "keras.initializers";

  private Keras3Json() {}

  static Map<String, Object> spec(Sequential model) {
    List<Object> batchInput = batchShape(model.inputShape());
    List<Object> layers = new ArrayList<>();
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("batch_shape", batchInput);
    input.put("dtype", "float32");
    input.put("sparse", false);
    input.put("ragged", false);
    input.put("name", "input_layer");
    input.put("optional", false);
    layers.add(object("keras.layers", "InputLayer", input));
    Shape in = model.inputShape();
    for (Layer l : model.layers()) {
      Map<String, Object> entry = object("keras.layers", l.kerasClassName(), layerConfig(l));
      if (BUILT_LAYERS.contains(l.kerasClassName())) {
        entry.put("build_config", Map.of("input_shape", batchShape(in)));
      }
      layers.add(entry);
      in = l.outputShape();
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", model.name());
    config.put("trainable", true);
    config.put("dtype", dtypePolicy());
    config.put("layers", layers);
    config.put("build_input_shape", batchInput);
    Map<String, Object> root = object("keras", "Sequential", config);
    root.put("build_config", Map.of("input_shape", batchInput));
    return root;
  }

  private static Map<String, Object> layerConfig(Layer l) {
    Map<String, Object> c = new LinkedHashMap<>(l.config());
    c.put("dtype", dtypePolicy());
    for (String key : List.of("kernel_initializer", "bias_initializer")) {
      if (c.get(key) instanceof Map<?, ?> init) {
        c.put(key, initializer(init));
      }
    }
    if (l.kerasClassName().equals("Dense")) {
      // Keras 3's Dense has no activity_regularizer argument, and a quantization_config.
      c.remove("activity_regularizer");
      c.put("quantization_config", null);
    }
    return c;
  }

  /** {class_name, config: {seed}} → Keras 3's form; variance-scaling ones gained two axes. */
  private static Map<String, Object> initializer(Map<?, ?> tfKeras2) {
    String cls = (String) tfKeras2.get("class_name");
    Map<String, Object> config = new LinkedHashMap<>();
    if (!cls.equals("Zeros")) {
      config.put("seed", null);
      config.put("input_axes", null);
      config.put("output_axes", null);
    }
    return object(INITIALIZERS, cls, config);
  }

  private static Map<String, Object> dtypePolicy() {
    return object("keras", "DTypePolicy", Map.of("name", "float32"));
  }

  private static Map<String, Object> object(String module, String cls, Map<String, Object> config) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("module", module);
    m.put("class_name", cls);
    m.put("config", config);
    m.put("registered_name", null);
    return m;
  }

  private static List<Object> batchShape(Shape shape) {
    List<Object> dims = new ArrayList<>();
    dims.add(null);
    for (int d : shape.dims()) {
      dims.add(d);
    }
    return dims;
  }
}
