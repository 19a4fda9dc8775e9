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
  protected Dense self() {
    return this;
  }

  @Override
  public String kerasClassName() {
    return "Dense";
  }

  @Override
  public String defaultNamePrefix() {
    return "dense";
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
  public void forward(
      Kernels k,
      float[] params,
      int offset,
      int n,
      float[] x,
      float[] y,
      float[] scratch,
      StepContext step) {
    k.denseForward(n, in, units, x, params, offset, biasOffset(offset), y);
  }

  @Override
  public void forwardActivated(
      Kernels k,
      float[] params,
      int offset,
      int n,
      float[] x,
      float[] y,
      float[] scratch,
      StepContext step,
      Activation a) {
    k.denseForwardActivation(n, in, units, x, params, offset, biasOffset(offset), a, y);
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
    k.denseBackwardParams(n, in, units, x, dy, grads, offset, biasOffset(offset));
    if (dx != null) {
      k.denseBackwardInput(n, in, units, dy, params, offset, dx);
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
