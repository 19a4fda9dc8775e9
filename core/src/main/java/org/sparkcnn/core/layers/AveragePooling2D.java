package org.sparkcnn.core.layers;

import org.sparkcnn.core.kernels.Kernels;

/**
 * Average pooling; with "same" padding each output averages only the input positions inside its
 * window (padding is not counted), and backward spreads the gradient evenly over those positions.
 */
public final class AveragePooling2D extends Pooling2D<AveragePooling2D> {
  /** AveragePooling2D(pool_size=(size, size)), strides = pool_size. */
  public AveragePooling2D(int size) {
    super(size, size);
  }

  public AveragePooling2D(int poolH, int poolW) {
    super(poolH, poolW);
  }

  @Override
  protected AveragePooling2D self() {
    return this;
  }

  @Override
  public String kerasClassName() {
    return "AveragePooling2D";
  }

  @Override
  public String defaultNamePrefix() {
    return "average_pooling2d";
  }

  @Override
  public void forward(
      Kernels k,
      float[] params,
      int offset,
      int n,
      float[] x,
      float[] y,
      float[] scratch,
      StepContext step) {
    k.averagePool2dForward(window, n, x, y);
  }

  @Override
  public void backward(
      Kernels k,
      float[] params,
      float[] grads,
      int offset,
      int n,
      float[] x,
      float[] dy,
      float[] dx,
      float[] scratch) {
    if (dx != null) {
      k.averagePool2dBackward(window, n, dy, dx);
    }
  }
}
