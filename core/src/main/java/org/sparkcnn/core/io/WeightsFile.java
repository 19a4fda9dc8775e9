package org.sparkcnn.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.layers.ParamSpec;
import org.sparkcnn.core.model.Sequential;

/**
 * A model's weights as a safetensors file with Keras' names and layouts: {@code <layer>/kernel}
 * (Conv2D: [KH, KW, C, F]; Dense: [I, O]) and {@code <layer>/bias} ([F] or [O]). These are the
 * layouts of the flat parameter array too, so each tensor is one contiguous slice of it.
 *
 * <p>Reading also accepts the names other Keras versions give the same tensors: Keras 3's variable
 * paths ({@code sequential/conv2d/kernel}, the model's name first) and tf.keras 2.x's variable
 * names ({@code conv2d/kernel:0}).
 */
public final class WeightsFile {
  private WeightsFile() {}

  /** The weights of {@code params} (laid out like the model's flat array) as file bytes. */
  public static byte[] encode(Sequential model, float[] params) {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    for (ParamSpec p : model.weightTensors()) {
      tensors.put(
          p.name(),
          new TensorData(p.shape(), Arrays.copyOfRange(params, p.offset(), p.offset() + p.size())));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      Safetensors.write(out, tensors, Map.of("format", "spark-cnn"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Parses weights file bytes and copies them into the model's parameters. */
  public static void decodeInto(Sequential model, byte[] bytes, String source)
      throws InvalidModelFileException {
    String kind = KerasFileKind.of(bytes);
    if (kind != null) {
      throw new InvalidModelFileException(
          source, "not a safetensors file", kind, "safetensors", KerasFileKind.IMPORT_HINT);
    }
    Safetensors.File file = Safetensors.read(bytes, source, "weights file");
    loadInto(model, file, source);
  }

  /**
   * Checks every tensor's name, dtype (F32, checked by the reader) and shape against the model,
   * then copies them into its parameters; nothing is copied unless all match.
   */
  public static void loadInto(Sequential model, Safetensors.File file, String source)
      throws InvalidModelFileException {
    loadInto(model, file.tensors(), source);
  }

  /** As {@link #loadInto(Sequential, Safetensors.File, String)}, from tensors by name. */
  public static void loadInto(Sequential model, Map<String, TensorData> named, String source)
      throws InvalidModelFileException {
    Map<String, TensorData> tensors = byLayerName(named, source);
    List<ParamSpec> expected = model.weightTensors();
    List<String> missing = new ArrayList<>();
    for (ParamSpec p : expected) {
      TensorData t = tensors.get(p.name());
      if (t == null) {
        missing.add(p.name() + Arrays.toString(p.shape()));
      } else if (!Arrays.equals(t.shape(), p.shape())) {
        throw new InvalidModelFileException(
            source,
            "tensor '" + p.name() + "' has the wrong shape",
            Arrays.toString(t.shape()),
            Arrays.toString(p.shape()) + " for " + model.describe(),
            "the weights belong to a different model spec");
      }
    }
    List<String> extra = new ArrayList<>();
    for (String name : tensors.keySet()) {
      if (expected.stream().noneMatch(p -> p.name().equals(name))) {
        extra.add(name);
      }
    }
    if (!missing.isEmpty() || !extra.isEmpty()) {
      throw new InvalidModelFileException(
          source,
          "the weights do not match the model's tensors",
          "missing " + missing + ", unexpected " + extra,
          "exactly " + expected.stream().map(p -> p.name() + Arrays.toString(p.shape())).toList(),
          "the weights belong to a different model spec, or its layers were renamed");
    }
    float[] params = model.parameters();
    for (ParamSpec p : expected) {
      float[] data = tensors.get(p.name()).data();
      for (int i = 0; i < data.length; i++) {
        if (!Float.isFinite(data[i])) {
          throw new InvalidModelFileException(
              source,
              "tensor '" + p.name() + "' holds a value that is not finite",
              data[i] + " at index " + i,
              "finite weights",
              "the model diverged before it was saved");
        }
      }
    }
    for (ParamSpec p : expected) {
      float[] data = tensors.get(p.name()).data();
      System.arraycopy(data, 0, params, p.offset(), data.length);
    }
  }

  /**
   * The tensors under this project's names ({@code <layer>/<variable>}): tf.keras 2.x's {@code :0}
   * suffix dropped, and Keras 3's leading model name dropped from three-part paths (layer names
   * hold no '/', so a third part can only be that prefix).
   */
  static Map<String, TensorData> byLayerName(Map<String, TensorData> tensors, String source)
      throws InvalidModelFileException {
    Map<String, TensorData> out = new LinkedHashMap<>();
    Map<String, String> from = new LinkedHashMap<>();
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name.endsWith(":0")) {
        name = name.substring(0, name.length() - 2);
      }
      String[] parts = name.split("/", -1);
      if (parts.length == 3) {
        name = parts[1] + "/" + parts[2];
      }
      String earlier = from.put(name, e.getKey());
      if (earlier != null) {
        throw new InvalidModelFileException(
            source,
            "two tensors name the same weight '" + name + "'",
            "'" + earlier + "' and '" + e.getKey() + "'",
            "one tensor per weight",
            "the file mixes Keras 2 names and Keras 3 variable paths");
      }
      out.put(name, e.getValue());
    }
    return out;
  }
}
