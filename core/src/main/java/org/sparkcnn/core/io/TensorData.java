package org.sparkcnn.core.io;

import java.util.Arrays;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A float32 tensor as stored in a weights file: a shape and its values in row-major (C) order, the
 * last dimension varying fastest, as numpy and safetensors lay them out.
 *
 * <p>The shape is copied; the values are <em>not</em>, so that a large tensor exists once in
 * memory. Do not modify the array while another holder may read it.
 */
public final class TensorData {

  private final int[] shape;
  private final float[] data;

  /**
   * @param shape dimensions, each ≥ 0; an empty shape is a scalar holding one value
   * @param data exactly product(shape) values
   * @throws IllegalArgumentException when a dimension is negative or the sizes disagree
   */
  public TensorData(int[] shape, float[] data) {
    this.shape = shape.clone();
    this.data = data;
    boolean empty = false;
    for (int dim : this.shape) {
      if (dim < 0) {
        throw new IllegalArgumentException(
            ErrorText.of(
                "negative dimension in shape", Arrays.toString(shape), "dimensions ≥ 0", null));
      }
      empty |= dim == 0;
    }
    long count = empty ? 0 : 1;
    for (int i = 0; i < this.shape.length && count > 0; i++) {
      // No overflow: count < 2^31 before this product and each dimension is < 2^31.
      count *= this.shape[i];
      if (count > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            ErrorText.of(
                "shape too large for one array",
                Arrays.toString(shape),
                "at most " + Integer.MAX_VALUE + " values",
                null));
      }
    }
    if (count != data.length) {
      throw new IllegalArgumentException(
          ErrorText.of(
              "shape and data sizes disagree",
              data.length + " values for shape " + Arrays.toString(shape),
              count + " values (the product of the shape)",
              null));
    }
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  /** The values themselves, not a copy. */
  public float[] data() {
    return data;
  }

  /** Bitwise equality of shape and values, so NaN equals NaN and 0.0 differs from -0.0. */
  @Override
  public boolean equals(Object o) {
    return o instanceof TensorData
        && Arrays.equals(shape, ((TensorData) o).shape)
        && Arrays.equals(data, ((TensorData) o).data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "TensorData" + Arrays.toString(shape) + " (" + data.length + " values)";
  }
}
