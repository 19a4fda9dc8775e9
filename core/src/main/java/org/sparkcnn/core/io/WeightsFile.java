package org.sparkcnn.core.io;

import java.io.ByteArrayInputStream;
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
    Safetensors.File file;
    try {
      file = Safetensors.read(new ByteArrayInputStream(bytes), bytes.length, source);
    } catch (InvalidModelFileException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidModelFileException(source + ": unreadable weights file", e);
    }
    loadInto(model, file, source);
  }

  /**
   * Checks every tensor's name, dtype (F32, checked by the reader) and shape against the model,
   * then copies them into its parameters; nothing is copied unless all match.
   */
  public static void loadInto(Sequential model, Safetensors.File file, String source)
      throws InvalidModelFileException {
    List<ParamSpec> expected = model.weightTensors();
    List<String> missing = new ArrayList<>();
    for (ParamSpec p : expected) {
      TensorData t = file.tensors().get(p.name());
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
    for (String name : file.tensors().keySet()) {
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
      float[] data = file.tensors().get(p.name()).data();
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
      float[] data = file.tensors().get(p.name()).data();
      System.arraycopy(data, 0, params, p.offset(), data.length);
    }
  }
}
