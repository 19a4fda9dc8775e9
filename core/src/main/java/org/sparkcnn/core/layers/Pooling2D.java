package org.sparkcnn.core.layers;

import java.util.Map;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Shared configuration of the 2-D pooling layers: input (H, W, C), output (OH, OW, C) with the
 * window formula of {@link Padding}; strides default to pool_size, as in Keras.
 */
public abstract class Pooling2D<T extends Pooling2D<T>> extends BaseLayer<T> {
  private final WindowSettings pool =
      new WindowSettings(
          this,
          "pool",
          "Pooling must come before Flatten",
          "Use padding=\"same\" or fewer pooling layers");
  protected Window2D window;

  protected Pooling2D(String kerasClassName, String defaultNamePrefix, int poolH, int poolW) {
    super(kerasClassName, defaultNamePrefix);
    poolSize(poolH, poolW);
  }

  public T poolSize(int h, int w) {
    pool.size(h, w);
    return self();
  }

  public T strides(int s) {
    return strides(s, s);
  }

  public T strides(int h, int w) {
    pool.strides(h, w);
    return self();
  }

  public T padding(String keras) {
    pool.padding(keras);
    return self();
  }

  public T inputShape(int height, int width, int channels) {
    setDeclaredInputShape(height, width, channels);
    return self();
  }

  public Window2D window() {
    requireBuilt();
    return window;
  }

  @Override
  protected Shape computeOutputShape(Shape input) {
    window = pool.over(input);
    return Shape.of(window.outH(), window.outW(), window.channels());
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("pool_size", pool.sizeConfig());
    c.put("padding", pool.paddingConfig());
    c.put("strides", pool.stridesConfig());
    c.put("data_format", "channels_last");
    return c;
  }
}
