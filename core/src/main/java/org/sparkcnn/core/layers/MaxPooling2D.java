package org.sparkcnn.core.layers;

import org.sparkcnn.core.kernels.Kernels;

/**
 * Max pooling; backward sends each output's gradient to the first maximum of its window (row-major
 * order), as TensorFlow does.
 */
public final class MaxPooling2D extends Pooling2D<MaxPooling2D> {
  /** MaxPooling2D(pool_size=(size, size)), strides = pool_size. */
  public MaxPooling2D(int size) {
    super(size, size);
  }

  public MaxPooling2D(int poolH, int poolW) {
    super(poolH, poolW);
  }

  @Override
  protected MaxPooling2D self() {
    return this;
  }

  @Override
  public String kerasClassName() {
    return "MaxPooling2D";
  }

  @Override
  public String defaultNamePrefix() {
    return "max_pooling2d";
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
    k.maxPool2dForward(window, n, x, y);
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
      k.maxPool2dBackward(window, n, x, dy, dx);
    }
  }

  /**
   * backward, then the backward of the relu whose output x is (the node before this one): dx is the
   * gradient at the relu's input. The model calls this instead of the two.
   */
  public void backwardThroughRelu(Kernels k, int n, float[] x, float[] dy, float[] dx) {
    k.maxPool2dBackwardRelu(window, n, x, dy, dx);
  }
}
