package org.sparkcnn.core.layers;

import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.tensor.Shape;

/**
 * Inverted dropout: in training each element is kept with probability 1 - rate and scaled by 1 / (1
 * - rate), so inference is the identity. The mask is a pure function of (step seed, example id,
 * element index), so splitting a batch across threads or Spark partitions does not change it.
 */
public final class Dropout extends BaseLayer<Dropout> {
  private final double rate;
  private Long seed;

  public Dropout(double rate) {
    super("Dropout", "dropout");
    if (!(rate >= 0 && rate < 1)) {
      throw ErrorText.problem("invalid rate")
          .in("Dropout")
          .received(rate)
          .expected("a number in [0, 1)")
          .illegalArgument();
    }
    this.rate = rate;
  }

  /** Keras' seed argument: mixed into every step's seed; null uses the step seed alone. */
  public Dropout seed(Long seed) {
    requireUnbuilt();
    this.seed = seed;
    return this;
  }

  public double rate() {
    return rate;
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

  /** Writes this step's mask into the scratch (backward reuses it) and multiplies x by it. */
  @Override
  public void forward(LayerCall c) {
    int size = outputShape().size();
    float[] mask = c.scratch();
    long layerSeed = DropoutMask.mix(c.step().seed(), seed == null ? 0 : seed, name().hashCode());
    for (int b = 0; b < c.n(); b++) {
      DropoutMask.fill(mask, b * size, size, rate, layerSeed, c.step().exampleId(b));
    }
    c.kernels().multiply(c.n() * size, c.x(), mask, c.y());
  }

  @Override
  public void backward(LayerCall c) {
    if (c.dx() != null) {
      c.kernels().multiply(c.n() * outputShape().size(), c.dy(), c.scratch(), c.dx());
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
