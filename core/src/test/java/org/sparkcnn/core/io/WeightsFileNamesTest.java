package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.ParamSpec;
import org.sparkcnn.core.model.Sequential;

/** Weights named as tf.keras 2.x ("conv2d/kernel:0") or Keras 3 ("net/conv2d/kernel") name them. */
class WeightsFileNamesTest {

  private static Sequential model(long seed) {
    return new Sequential("net")
        .add(new Conv2D(2, 3).inputShape(5, 5, 1))
        .add(new Flatten())
        .add(new Dense(3, "softmax"))
        .seed(seed);
  }

  /** The weights of a model seeded differently, each name passed through {@code rename}. */
  private static Map<String, TensorData> tensors(Sequential source, UnaryOperator<String> rename) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    float[] p = source.parameters();
    for (ParamSpec s : source.weightTensors()) {
      out.put(
          rename.apply(s.name()),
          new TensorData(s.shape(), Arrays.copyOfRange(p, s.offset(), s.offset() + s.size())));
    }
    return out;
  }

  @Test
  void loadsKeras2AndKeras3Names() throws InvalidModelFileException {
    Sequential trained = model(7);
    for (UnaryOperator<String> rename :
        List.<UnaryOperator<String>>of(
            n -> n, n -> n + ":0", n -> "net/" + n, n -> "sequential/" + n)) {
      Sequential target = model(1);
      WeightsFile.loadInto(target, tensors(trained, rename), "w");
      assertArrayEquals(trained.parameters(), target.parameters());
    }
  }

  @Test
  void refusesTwoNamesForOneWeight() {
    Map<String, TensorData> t = tensors(model(7), n -> n);
    t.putAll(tensors(model(7), n -> "net/" + n));
    Exception e =
        assertThrows(
            InvalidModelFileException.class, () -> WeightsFile.loadInto(model(1), t, "w.st"));
    assertTrue(
        e.getMessage().contains("w.st")
            && e.getMessage().contains("'conv2d/kernel' and 'net/conv2d/kernel'"),
        e.getMessage());
  }

  /** A Keras file where safetensors or JSON is expected says how to import it. */
  @Test
  void kerasFilesGivenAsWeightsOrSpecPointToTheImporter() {
    byte[] h5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
    byte[] zip = {'P', 'K', 3, 4, 20, 0, 0, 0};
    for (byte[] bytes : List.of(h5, zip)) {
      Exception e =
          assertThrows(
              InvalidModelFileException.class,
              () -> WeightsFile.decodeInto(model(1), bytes, "model.h5"));
      assertTrue(
          e.getMessage().contains("not a safetensors file")
              && e.getMessage().contains("scripts/import-keras"),
          e.getMessage());
      Exception j =
          assertThrows(
              IllegalArgumentException.class,
              () -> ModelSpec.fromJson(new String(bytes, StandardCharsets.UTF_8), "m.keras"));
      assertTrue(
          j.getMessage().contains("not a JSON model spec")
              && j.getMessage().contains(bytes == h5 ? "HDF5" : ".keras archive")
              && j.getMessage().contains("scripts/import-keras"),
          j.getMessage());
    }
  }
}
