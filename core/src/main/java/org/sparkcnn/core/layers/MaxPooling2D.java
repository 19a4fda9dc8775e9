package org.sparkcnn.core.layers;

import org.sparkcnn.core.kernels.Kernels;

/**
 * Max pooling; backward sends each output's gradient to the first maximum of its window (row-major
 * order), as TensorFlow does.
 */
public final class MaxPooling2D extends Pooling2D<MaxPooling2D> {
  /** MaxPooling2D(pool_size=(size, size)), strides = pool_size. */
  public MaxPooling2D(int size) {
    this(size, size);
  }

  public MaxPooling2D(int poolH, int poolW) {
    super("MaxPooling2D", "max_pooling2d", poolH, poolW);
  }

  @Override
  public void forward(LayerCall c) {
    c.kernels().maxPool2dForward(window, c.n(), c.x(), c.y());
  }

  @Override
  public void backward(LayerCall c) {
    if (c.dx() != null) {
      c.kernels().maxPool2dBackward(window, c.n(), c.x(), c.dy(), c.dx());
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
