package org.sparkcnn.core.tensor;

import java.util.Arrays;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A batch of examples: a flat float array in row-major order with its full shape, batch first,
 * channels last, e.g. (N, H, W, C) for images and (N, K) for labels or class scores.
 */
public final class Tensor {
  private final float[] data;
  private final int[] shape;

  public Tensor(float[] data, int... shape) {
    if (shape.length == 0) {
      throw ErrorText.problem("a tensor needs a batch dimension")
          .received("shape []")
          .expected("a shape starting with the batch size")
          .illegalArgument();
    }
    long size = 1;
    for (int d : shape) {
      if (d < 0) {
        throw ErrorText.problem("negative tensor dimension")
            .received("shape " + Arrays.toString(shape))
            .expected("dimensions >= 0")
            .illegalArgument();
      }
      size *= d;
    }
    if (size != data.length) {
      throw ErrorText.problem("tensor data does not match its shape")
          .received(data.length + " floats for shape " + Arrays.toString(shape))
          .expected(String.valueOf(size))
          .illegalArgument();
    }
    this.data = data;
    this.shape = shape.clone();
  }

  /** Integer class labels as an (N,) tensor, the form sparse categorical cross-entropy takes. */
  public static Tensor labels(int... labels) {
    float[] data = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      data[i] = labels[i];
    }
    return new Tensor(data, labels.length);
  }

  /** The backing array, shared, not copied. */
  public float[] data() {
    return data;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public int batchSize() {
    return shape[0];
  }

  /** Floats per example: the product of all dimensions but the first. */
  public int exampleSize() {
    int size = 1;
    for (int i = 1; i < shape.length; i++) {
      size *= shape[i];
    }
    return size;
  }

  /** The shape of one example, or null for a rank-1 tensor (one scalar per example). */
  public Shape exampleShape() {
    return shape.length == 1 ? null : Shape.of(Arrays.copyOfRange(shape, 1, shape.length));
  }

  /** Copies examples {@code [from, to)} into a new tensor. */
  public Tensor rows(int from, int to) {
    int[] s = shape.clone();
    s[0] = to - from;
    int e = exampleSize();
    return new Tensor(Arrays.copyOfRange(data, from * e, to * e), s);
  }

  /** Copies the examples at the given indices, in that order, into a new tensor. */
  public Tensor gather(int[] indices) {
    int e = exampleSize();
    float[] out = new float[indices.length * e];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(data, indices[i] * e, out, i * e, e);
    }
    int[] s = shape.clone();
    s[0] = indices.length;
    return new Tensor(out, s);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
