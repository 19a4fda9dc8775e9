package org.sparkcnn.core.layers;

import java.util.Map;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.tensor.Shape;

/**
 * Inverted dropout: in training each element is kept with probability 1 - rate and scaled by 1 / (1
 * - rate), so inference is the identity. The mask is a pure function of (step seed, example id,
 * element index), so splitting a batch across threads or Spark partitions does not change it.
 */
public final class Dropout extends BaseLayer {
  private final double rate;
  private Long seed;

  public Dropout(double rate) {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("Dropout rate must be in [0, 1); received " + rate);
    }
    this.rate = rate;
  }

  /** Keras' seed argument: mixed into every step's seed; null uses the step seed alone. */
  public Dropout seed(Long seed) {
    requireUnbuilt();
    this.seed = seed;
    return this;
  }

  public Dropout name(String name) {
    setName(name);
    return this;
  }

  public double rate() {
    return rate;
  }

  @Override
  public String kerasClassName() {
    return "Dropout";
  }

  @Override
  public String defaultNamePrefix() {
    return "dropout";
  }

  @Override
  protected Shape computeOutputShape(Shape input) {
    return input;
  }

  @Override
  public boolean isIdentity(boolean training) {
    return !training || rate == 0;
  }

  @Override
  public int scratchPerExample() {
    return outputShape().size();
  }

  @Override
  public void forward(
      Kernels k,
      float[] params,
      int offset,
      int n,
      float[] x,
      float[] y,
      float[] mask,
      StepContext step) {
    int size = outputShape().size();
    long layerSeed = DropoutMask.mix(step.seed(), seed == null ? 0 : seed, name().hashCode());
    for (int b = 0; b < n; b++) {
      DropoutMask.fill(mask, b * size, size, rate, layerSeed, step.exampleId(b));
    }
    k.multiply(n * size, x, mask, y);
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
      float[] mask) {
    if (dx != null) {
      k.multiply(n * outputShape().size(), dy, mask, dx);
    }
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("rate", rate);
    c.put("noise_shape", null);
    c.put("seed", seed);
    return c;
  }
}
