package org.sparkcnn.interop;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.sparkcnn.core.io.Safetensors;
import org.sparkcnn.core.tensor.Tensor;

/** The Keras 3 fixtures (src/test/resources/keras3, made by make_fixtures.py there). */
public final class Fixtures {
  private Fixtures() {}

  public static Path keras3(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/keras3/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** x [4, 12, 12, 3] and Keras' y = model.predict(x) [4, 3] for the all-layers model. */
  public static Tensor[] expected() throws IOException {
    Safetensors.File f = Safetensors.read(keras3("all-layers.expected.safetensors"));
    return new Tensor[] {
      new Tensor(f.tensors().get("x").data(), f.tensors().get("x").shape()),
      new Tensor(f.tensors().get("y").data(), f.tensors().get("y").shape())
    };
  }

  /** max |a - b|, failing on a length mismatch. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}
