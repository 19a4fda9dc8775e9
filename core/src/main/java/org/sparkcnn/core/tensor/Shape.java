package org.sparkcnn.core.tensor;

import java.util.Arrays;
import org.sparkcnn.core.errors.ErrorText;

/**
 * The shape of one example, without the batch dimension; channels-last, so an image is (height,
 * width, channels) and a dense activation is (units).
 */
public final class Shape {
  private final int[] dims;

  private Shape(int[] dims) {
    this.dims = dims;
  }

  public static Shape of(int... dims) {
    if (dims.length == 0) {
      throw ErrorText.problem("a shape needs at least one dimension")
          .received("()")
          .expected("one or more positive dimensions")
          .illegalArgument();
    }
    long size = 1;
    for (int d : dims) {
      if (d <= 0) {
        throw ErrorText.problem("every dimension of a shape must be positive")
            .received(Arrays.toString(dims))
            .expected("dimensions >= 1")
            .illegalArgument();
      }
      size *= d;
      if (size > Integer.MAX_VALUE) {
        throw ErrorText.problem("too many elements per example")
            .received("shape " + Arrays.toString(dims))
            .expected("at most 2^31-1 elements per example")
            .illegalArgument();
      }
    }
    return new Shape(dims.clone());
  }

  public int rank() {
    return dims.length;
  }

  public int dim(int axis) {
    return dims[axis];
  }

  public int[] dims() {
    return dims.clone();
  }

  /** Number of floats one example occupies. */
  public int size() {
    int size = 1;
    for (int d : dims) {
      size *= d;
    }
    return size;
  }

  /** The last dimension: channels for images, units for dense activations. */
  public int lastDim() {
    return dims[dims.length - 1];
  }

  /** Keras' notation with the batch dimension, e.g. {@code (None, 26, 26, 32)}. */
  public String withBatch() {
    StringBuilder s = new StringBuilder("(None");
    for (int d : dims) {
      s.append(", ").append(d);
    }
    return s.append(')').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape && Arrays.equals(dims, ((Shape) o).dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      s.append(i == 0 ? "" : ", ").append(dims[i]);
    }
    return s.append(dims.length == 1 ? ",)" : ")").toString();
  }
}
