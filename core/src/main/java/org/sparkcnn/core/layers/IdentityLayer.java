package org.sparkcnn.core.layers;

/**
 * A layer that computes nothing: its output holds its input's values in the same order (a reshape,
 * or an activation the model applies in its own step). The model reuses the input buffer ({@link
 * #isIdentity}); forward and backward copy for a caller that does not.
 *
 * @param <T> the layer, so that the setters chain
 */
abstract class IdentityLayer<T extends IdentityLayer<T>> extends BaseLayer<T> {
  IdentityLayer(String kerasClassName, String defaultNamePrefix) {
    super(kerasClassName, defaultNamePrefix);
  }

  /** Keras' input_shape, for the first layer of a model. */
  public T inputShape(int... dims) {
    setDeclaredInputShape(dims);
    return self();
  }

  @Override
  public final boolean isIdentity(boolean training) {
    return true;
  }

  @Override
  public final void forward(LayerCall c) {
    System.arraycopy(c.x(), 0, c.y(), 0, c.n() * outputShape().size());
  }

  @Override
  public final void backward(LayerCall c) {
    if (c.dx() != null) {
      System.arraycopy(c.dy(), 0, c.dx(), 0, c.n() * outputShape().size());
    }
  }
}
