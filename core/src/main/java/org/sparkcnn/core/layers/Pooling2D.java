package org.sparkcnn.core.layers;

import java.util.List;
import java.util.Map;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Shared configuration of the 2-D pooling layers: input (H, W, C), output (OH, OW, C) with the
 * window formula of {@link Padding}; strides default to pool_size, as in Keras.
 */
public abstract class Pooling2D<T extends Pooling2D<T>> extends BaseLayer<T> {
  private int poolH;
  private int poolW;
  private int strideH;
  private int strideW;
  private boolean stridesSet;
  private Padding padding = Padding.VALID;
  protected Window2D window;

  protected Pooling2D(String kerasClassName, String defaultNamePrefix, int poolH, int poolW) {
    super(kerasClassName, defaultNamePrefix);
    poolSize(poolH, poolW);
  }

  public T poolSize(int h, int w) {
    requireUnbuilt();
    requirePositive(kerasClassName() + " pool_size", h);
    requirePositive(kerasClassName() + " pool_size", w);
    poolH = h;
    poolW = w;
    if (!stridesSet) {
      strideH = h;
      strideW = w;
    }
    return self();
  }

  public T strides(int s) {
    return strides(s, s);
  }

  public T strides(int h, int w) {
    requireUnbuilt();
    requirePositive(kerasClassName() + " strides", h);
    requirePositive(kerasClassName() + " strides", w);
    strideH = h;
    strideW = w;
    stridesSet = true;
    return self();
  }

  public T padding(String keras) {
    requireUnbuilt();
    padding = Padding.fromKeras(keras);
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
    window =
        window2D(
            input,
            "pool",
            poolH,
            poolW,
            strideH,
            strideW,
            padding,
            "Pooling must come before Flatten",
            "Use padding=\"same\" or fewer pooling layers");
    return Shape.of(window.outH(), window.outW(), window.channels());
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("pool_size", List.of(poolH, poolW));
    c.put("padding", padding.kerasName());
    c.put("strides", List.of(strideH, strideW));
    c.put("data_format", "channels_last");
    return c;
  }
}
