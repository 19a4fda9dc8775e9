package org.sparkcnn.core.layers;

import java.util.LinkedHashMap;
import java.util.Map;

/** Pieces of Keras' get_config() that several layers write the same way. */
final class KerasConfig {
  private KerasConfig() {}

  /** {"class_name": "GlorotUniform", "config": {"seed": null}}, as tf.keras 2.x writes it. */
  static Map<String, Object> initializer(Initializer i) {
    Map<String, Object> config = new LinkedHashMap<>();
    if (i != Initializer.ZEROS) {
      config.put("seed", null);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class_name", i.kerasClassName());
    m.put("config", config);
    return m;
  }

  /** We support no regularizers or constraints; Keras writes them as null. */
  static void putNullRegularizers(Map<String, Object> c) {
    c.put("kernel_regularizer", null);
    c.put("bias_regularizer", null);
    c.put("activity_regularizer", null);
    c.put("kernel_constraint", null);
    c.put("bias_constraint", null);
  }
}
