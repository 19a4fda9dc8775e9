package org.sparkcnn.core.layers;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.tensor.Shape;

/** Fully connected layer: input (I), kernel (I, O) as Keras stores it, bias (O), output (O). */
public final class Dense extends WeightedLayer<Dense> {
  private final int units;
  private int in;

  public Dense(int units) {
    super("Dense", "dense");
    requirePositive("Dense units", units);
    this.units = units;
  }

  /** Dense(units, activation=...). */
  public Dense(int units, String activation) {
    this(units);
    activation(activation);
  }

  public Dense inputShape(int features) {
    setDeclaredInputShape(features);
    return this;
  }

  public int units() {
    return units;
  }

  @Override
  protected Shape computeOutputShape(Shape input) {
    if (input.rank() != 1) {
      // Keras would apply Dense to the last axis; we keep the engine to flat features.
      throw shapeError(
          "expects a flat input of rank 1 (features) per example",
          input,
          "(features,)",
          "Add a Flatten layer before this Dense layer");
    }
    in = input.dim(0);
    return Shape.of(units);
  }

  @Override
  public List<ParamSpec> params() {
    requireBuilt();
    ParamSpec kernel = new ParamSpec("kernel", new int[] {in, units}, 0);
    return useBias
        ? List.of(kernel, new ParamSpec("bias", new int[] {units}, in * units))
        : List.of(kernel);
  }

  @Override
  public void initialize(float[] params, int offset, Random rng) {
    kernelInitializer.fill(params, offset, in * units, in, units, rng);
    if (useBias) {
      Initializer.ZEROS.fill(params, offset + in * units, units, 0, 0, rng);
    }
  }

  private int biasOffset(int offset) {
    return useBias ? offset + in * units : -1;
  }

  @Override
  public void forwardActivated(LayerCall c, Activation a) {
    int o = c.offset();
    c.kernels().denseForward(c.n(), in, units, c.x(), c.params(), o, biasOffset(o), a, c.y());
  }

  @Override
  public void backward(LayerCall c) {
    int o = c.offset();
    Kernels k = c.kernels();
    k.denseBackwardParams(c.n(), in, units, c.x(), c.dy(), c.grads(), o, biasOffset(o));
    if (c.dx() != null) {
      k.denseBackwardInput(c.n(), in, units, c.dy(), c.params(), o, c.dx());
    }
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("units", units);
    putWeightSettings(c);
    return c;
  }
}
