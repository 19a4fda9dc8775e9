package org.sparkcnn.core.layers;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * 2-D convolution, channels-last: input (H, W, C), kernel (KH, KW, C, F), output (OH, OW, F) with
 * OH = floor((H - KH) / SH) + 1 for "valid" and ceil(H / SH) for "same" (likewise for W).
 */
public final class Conv2D extends WeightedLayer<Conv2D> {
  private final int filters;
  private final WindowSettings kernel =
      new WindowSettings(
          this,
          "kernel",
          "Did you forget the input_shape, or put a Flatten or Dense before this layer?",
          "Use padding=\"same\" or a smaller kernel or fewer pooling layers before it");
  private Window2D window;

  /** Conv2D(filters, kernel_size=(kernelSize, kernelSize)). */
  public Conv2D(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  public Conv2D(int filters, int kernelH, int kernelW) {
    super("Conv2D", "conv2d");
    requirePositive("Conv2D filters", filters);
    this.filters = filters;
    kernelSize(kernelH, kernelW);
  }

  public Conv2D kernelSize(int h, int w) {
    kernel.size(h, w);
    return this;
  }

  public Conv2D strides(int s) {
    return strides(s, s);
  }

  public Conv2D strides(int h, int w) {
    kernel.strides(h, w);
    return this;
  }

  public Conv2D padding(String keras) {
    kernel.padding(keras);
    return this;
  }

  /** Keras' input_shape = (height, width, channels), for the first layer of a model. */
  public Conv2D inputShape(int height, int width, int channels) {
    setDeclaredInputShape(height, width, channels);
    return this;
  }

  public Window2D window() {
    requireBuilt();
    return window;
  }

  public int filters() {
    return filters;
  }

  @Override
  protected Shape computeOutputShape(Shape input) {
    window = kernel.over(input);
    return Shape.of(window.outH(), window.outW(), filters);
  }

  @Override
  public List<ParamSpec> params() {
    requireBuilt();
    int kernelSize = window.kernelH() * window.kernelW() * window.channels() * filters;
    ParamSpec weights =
        new ParamSpec(
            "kernel",
            new int[] {window.kernelH(), window.kernelW(), window.channels(), filters},
            0);
    return useBias
        ? List.of(weights, new ParamSpec("bias", new int[] {filters}, kernelSize))
        : List.of(weights);
  }

  @Override
  public void initialize(float[] params, int offset, Random rng) {
    int receptive = window.kernelH() * window.kernelW();
    kernelInitializer.fill(
        params,
        offset,
        receptive * window.channels() * filters,
        receptive * window.channels(),
        receptive * filters,
        rng);
    if (useBias) {
      Initializer.ZEROS.fill(params, offset + params().get(1).offset(), filters, 0, 0, rng);
    }
  }

  /** Not via params(): that builds a new list, and this runs on every step. */
  private int biasOffset(int offset) {
    return useBias
        ? offset + window.kernelH() * window.kernelW() * window.channels() * filters
        : -1;
  }

  @Override
  public void forwardActivated(LayerCall c, Activation a) {
    int o = c.offset();
    c.kernels()
        .conv2dForward(window, filters, c.n(), c.x(), c.params(), o, biasOffset(o), a, c.y());
  }

  @Override
  public void backward(LayerCall c) {
    int o = c.offset();
    Kernels k = c.kernels();
    k.conv2dBackwardParams(window, filters, c.n(), c.x(), c.dy(), c.grads(), o, biasOffset(o));
    if (c.dx() != null) {
      k.conv2dBackwardInput(window, filters, c.n(), c.dy(), c.params(), o, c.dx());
    }
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("filters", filters);
    c.put("kernel_size", kernel.sizeConfig());
    c.put("strides", kernel.stridesConfig());
    c.put("padding", kernel.paddingConfig());
    c.put("data_format", "channels_last");
    c.put("dilation_rate", List.of(1, 1));
    c.put("groups", 1);
    putWeightSettings(c);
    return c;
  }
}
