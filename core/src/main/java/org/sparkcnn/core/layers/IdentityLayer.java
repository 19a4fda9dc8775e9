package org.sparkcnn.core.layers;

import org.sparkcnn.core.kernels.Kernels;

/**
 * A layer that computes nothing: its output holds its input's values in the same order (a reshape,
 * or an activation the model applies in its own step). The model reuses the input buffer ({@link
 * #isIdentity}); forward and backward copy for a caller that does not.
 */
abstract class IdentityLayer extends BaseLayer {
  @Override
  public final boolean isIdentity(boolean training) {
    return true;
  }

  @Override
  public final void forward(
      Kernels k,
      float[] params,
      int offset,
      int n,
      float[] x,
      float[] y,
      float[] scratch,
      StepContext step) {
    System.arraycopy(x, 0, y, 0, n * outputShape().size());
  }

  @Override
  public final void backward(
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
      System.arraycopy(dy, 0, dx, 0, n * outputShape().size());
    }
  }
}
