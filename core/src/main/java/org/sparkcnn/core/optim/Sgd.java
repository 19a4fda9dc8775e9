package org.sparkcnn.core.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.settings.Range;
import org.sparkcnn.core.settings.TrainingSettings;

/**
 * Keras' SGD. Without momentum: p -= lr g. With momentum m: v = m v - lr g, then p += v, or with
 * Nesterov p += m v - lr g.
 */
public final class Sgd extends SlotOptimizer {
  /** The learning rates every optimizer takes (declared with the training settings). */
  private static final Range LEARNING_RATE = TrainingSettings.LEARNING_RATE.range();

  private final float learningRate;
  private final float momentum;
  private final boolean nesterov;
  private final RangeWindow window = new RangeWindow();

  public Sgd(double learningRate) {
    this(learningRate, 0, false);
  }

  public Sgd(double learningRate, double momentum, boolean nesterov) {
    // Keras 3's slot name "momentum" for the velocity buffer; none without momentum.
    super((float) momentum == 0 ? List.of() : List.of("momentum"));
    if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1)) {
      throw ErrorText.problem("settings out of range")
          .in("sgd")
          .received("learning_rate=" + learningRate + ", momentum=" + momentum)
          .expected("learning_rate > 0 and momentum in [0, 1)")
          .illegalArgument();
    }
    this.learningRate = (float) learningRate;
    this.momentum = (float) momentum;
    this.nesterov = nesterov;
  }

  static Sgd fromConfig(Map<String, ?> c) {
    OptimizerConfig.requireOnly("sgd", c, Set.of("name", "learning_rate", "momentum", "nesterov"));
    return new Sgd(
        OptimizerConfig.number(
            "sgd", c, "learning_rate", 0.01, LEARNING_RATE.min(), LEARNING_RATE.max()),
        OptimizerConfig.number("sgd", c, "momentum", 0, 0, 0.999999),
        OptimizerConfig.flag("sgd", c, "nesterov", false));
  }

  @Override
  public String kerasName() {
    return "sgd";
  }

  @Override
  public void apply(float[] params, int offset, float[] grads) {
    int n = grads.length;
    float[][] slots = beginUpdate(params, offset, n);
    float[] p = window.open(params, offset, n);
    if (momentum == 0) {
      for (int i = 0; i < n; i++) {
        p[i] -= learningRate * grads[i];
      }
    } else {
      float[] velocity = slots[0];
      for (int i = 0; i < n; i++) {
        velocity[i] = momentum * velocity[i] - learningRate * grads[i];
        p[i] += nesterov ? momentum * velocity[i] - learningRate * grads[i] : velocity[i];
      }
    }
    window.close(p, params, offset, n);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", "sgd");
    c.put("learning_rate", (double) learningRate);
    c.put("momentum", (double) momentum);
    c.put("nesterov", nesterov);
    return c;
  }
}
