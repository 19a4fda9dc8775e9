package org.sparkcnn.interop.keras;

import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.io.InvalidModelFileException;
import org.sparkcnn.core.io.TensorData;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.model.Sequential;

/**
 * A model's weights from Keras' HDF5 files, named as this project names them ({@code
 * <layer>/kernel}), in one of the two layouts Keras writes:
 *
 * <ul>
 *   <li>Keras 3 ({@code model.weights.h5} in a {@code .keras} archive, {@code save_weights}): one
 *       group per layer, {@code layers/<snake_case class name>[_<k>]/vars/<i>}, the k-th layer of a
 *       class getting suffix {@code _k} whatever its name, and variable i in the layer's order
 *       (kernel, bias). Keras itself matches them by position, and so do we.
 *   <li>Keras 2 / legacy ({@code model.save("m.h5")}, tf.keras 2.x and Keras 3): a {@code
 *       layer_names} attribute (at the root or on {@code model_weights}); each layer's group has a
 *       {@code weight_names} attribute giving dataset paths such as {@code conv2d/kernel:0}
 *       (tf.keras 2.x) or {@code sequential/conv2d/kernel} (Keras 3), whose last part names the
 *       variable.
 * </ul>
 */
final class H5Weights {
  /** Largest tensor read: what a Java array holds. */
  private static final long MAX_VALUES = Integer.MAX_VALUE - 8;

  private H5Weights() {}

  /** True if the file holds a layout this class reads. */
  static boolean isWeights(Group root) {
    return root.getChild("layers") instanceof Group || legacyGroup(root) != null;
  }

  static Map<String, TensorData> read(Group root, Sequential model, String source)
      throws InvalidModelFileException {
    if (root.getChild("layers") instanceof Group layers) {
      return keras3(layers, model, source);
    }
    Group legacy = legacyGroup(root);
    if (legacy != null) {
      return legacy(legacy, source);
    }
    throw new InvalidModelFileException(
        source,
        "no Keras weights in this HDF5 file",
        "top-level entries " + root.getChildren().keySet(),
        "Keras 3's layout (layers/<layer>/vars/<i>) or Keras 2's (a layer_names attribute, at the"
            + " root or on model_weights)",
        "save the weights with Keras' model.save() or model.save_weights()");
  }

  private static Group legacyGroup(Group root) {
    if (root.getAttribute("layer_names") != null) {
      return root;
    }
    if (root.getChild("model_weights") instanceof Group g
        && g.getAttribute("layer_names") != null) {
      return g;
    }
    return null;
  }

  private static Map<String, TensorData> keras3(Group layers, Sequential model, String source)
      throws InvalidModelFileException {
    Map<String, TensorData> out = new LinkedHashMap<>();
    Map<String, Integer> counters = new HashMap<>();
    for (Layer l : model.layers()) {
      int k = counters.merge(l.defaultNamePrefix(), 1, Integer::sum) - 1;
      String group = l.defaultNamePrefix() + (k == 0 ? "" : "_" + k);
      int count = l.params().size();
      if (count == 0) {
        continue;
      }
      String path = "layers/" + group + "/vars";
      if (!(layers.getChild(group) instanceof Group g)
          || !(g.getChild("vars") instanceof Group v)) {
        throw new InvalidModelFileException(
            source,
            "no weights for layer '" + l.name() + "'",
            "no group " + path + " (layers present: " + layers.getChildren().keySet() + ")",
            path + "/0.." + (count - 1) + " for " + l.kerasClassName() + " '" + l.name() + "'",
            "the weights belong to a different model");
      }
      if (v.getChildren().size() != count) {
        throw new InvalidModelFileException(
            source,
            "layer '" + l.name() + "' has the wrong number of variables",
            v.getChildren().size() + " in " + path + " " + v.getChildren().keySet(),
            count + " (" + l.params().stream().map(p -> p.name()).toList() + ")",
            "the weights belong to a different model");
      }
      for (int i = 0; i < count; i++) {
        out.put(
            l.name() + "/" + l.params().get(i).name(),
            tensor(v.getChild(Integer.toString(i)), path + "/" + i, source));
      }
    }
    return out;
  }

  private static Map<String, TensorData> legacy(Group group, String source)
      throws InvalidModelFileException {
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (String layer : strings(group.getAttribute("layer_names"), "layer_names", source)) {
      if (!(group.getChild(layer) instanceof Group g)) {
        throw new InvalidModelFileException(
            source,
            "layer_names names a layer with no group",
            "'" + layer + "' (groups present: " + group.getChildren().keySet() + ")",
            "one group per name in layer_names",
            "the file is damaged or was not written by Keras");
      }
      Attribute names = g.getAttribute("weight_names");
      if (names == null) {
        continue;
      }
      for (String name : strings(names, layer + " weight_names", source)) {
        String variable = name.substring(name.lastIndexOf('/') + 1);
        if (variable.endsWith(":0")) {
          variable = variable.substring(0, variable.length() - 2);
        }
        Node node = g.getByPath(name);
        out.put(layer + "/" + variable, tensor(node, g.getPath() + name, source));
      }
    }
    return out;
  }

  private static TensorData tensor(Node node, String path, String source)
      throws InvalidModelFileException {
    if (!(node instanceof Dataset d)) {
      throw new InvalidModelFileException(source, "not a dataset", path, "a float32 dataset", null);
    }
    if (d.getJavaType() != float.class || d.getSize() > MAX_VALUES) {
      throw new InvalidModelFileException(
          source,
          "unsupported weight tensor",
          path + ": " + d.getJavaType().getSimpleName() + " " + Arrays.toString(d.getDimensions()),
          "float32 with fewer than 2^31 values",
          "spark-cnn models compute in float32; cast the model to float32 in Keras first");
    }
    Object flat = d.isScalar() ? new float[] {(Float) d.getData()} : d.getDataFlat();
    return new TensorData(d.getDimensions(), (float[]) flat);
  }

  /**
   * A string-array attribute; Keras writes an empty one as a float64 array of length 0, which reads
   * as null or an empty array.
   */
  static List<String> strings(Attribute a, String name, String source)
      throws InvalidModelFileException {
    Object data = a.isEmpty() ? null : a.getData();
    List<String> out = new ArrayList<>();
    if (data == null) {
      return out;
    } else if (data instanceof String s) {
      out.add(s);
    } else if (data instanceof String[] array) {
      out.addAll(Arrays.asList(array));
    } else if (!data.getClass().isArray() || Array.getLength(data) != 0) {
      throw new InvalidModelFileException(
          source,
          "attribute '" + name + "' is not a list of names",
          data.getClass().getSimpleName(),
          "strings",
          null);
    }
    return out;
  }
}
