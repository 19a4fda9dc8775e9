package org.sparkcnn.core.layers;

/**
 * Average pooling; with "same" padding each output averages only the input positions inside its
 * window (padding is not counted), and backward spreads the gradient evenly over those positions.
 */
public final class AveragePooling2D extends Pooling2D<AveragePooling2D> {
  /** AveragePooling2D(pool_size=(size, size)), strides = pool_size. */
  public AveragePooling2D(int size) {
    this(size, size);
  }

  public AveragePooling2D(int poolH, int poolW) {
    super("AveragePooling2D", "average_pooling2d", poolH, poolW);
  }

  @Override
  public void forward(LayerCall c) {
    c.kernels().averagePool2dForward(window, c.n(), c.x(), c.y());
  }

  @Override
  public void backward(LayerCall c) {
    if (c.dx() != null) {
      c.kernels().averagePool2dBackward(window, c.n(), c.dy(), c.dx());
    }
  }
}
