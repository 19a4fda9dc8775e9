package org.sparkcnn.core.layers;

import java.util.Arrays;

/**
 * One weight tensor of a layer: its Keras name ("kernel" or "bias"), shape in Keras' layout, and
 * offset within the layer's slice of the model's flat parameter array.
 */
public record ParamSpec(String name, int[] shape, int offset) {
  public int size() {
    int s = 1;
    for (int d : shape) {
      s *= d;
    }
    return s;
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
