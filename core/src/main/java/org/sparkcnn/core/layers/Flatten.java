package org.sparkcnn.core.layers;

import java.util.Map;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.tensor.Shape;

/**
 * (H, W, C) → (H*W*C) in height, width, channel order, like Keras with channels_last. The data is
 * already laid out that way, so the model reuses the input buffer and this layer computes nothing.
 */
public final class Flatten extends BaseLayer {
  public Flatten name(String name) {
    setName(name);
    return this;
  }

  public Flatten inputShape(int... dims) {
    setDeclaredInputShape(dims);
    return this;
  }

  @Override
  public String kerasClassName() {
    return "Flatten";
  }

  @Override
  public String defaultNamePrefix() {
    return "flatten";
  }

  @Override
  protected Shape computeOutputShape(Shape input) {
    return Shape.of(input.size());
  }

  @Override
  public boolean isIdentity(boolean training) {
    return true;
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
    System.arraycopy(x, 0, y, 0, n * outputShape().size());
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
      System.arraycopy(dy, 0, dx, 0, n * outputShape().size());
    }
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("data_format", "channels_last");
    return c;
  }
}
