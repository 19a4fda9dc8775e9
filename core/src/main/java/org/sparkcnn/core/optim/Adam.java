package org.sparkcnn.core.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.settings.Range;
import org.sparkcnn.core.settings.TrainingSettings;

/**
 * Keras' Adam. At step t: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr sqrt(1 - b2^t) /
 * (1 - b1^t) * m / (sqrt(v) + epsilon). (Keras folds the bias corrections into the step size, so
 * epsilon is not bias-corrected; we do the same.)
 */
public final class Adam extends SlotOptimizer {
  /** The learning rates every optimizer takes (declared with the training settings). */
  private static final Range LEARNING_RATE = TrainingSettings.LEARNING_RATE.range();

  private final double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final RangeWindow window = new RangeWindow();

  /** Adam with Keras' defaults: learning_rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7. */
  public Adam() {
    this(0.001);
  }

  public Adam(double learningRate) {
    this(learningRate, 0.9, 0.999, 1e-7);
  }

  public Adam(double learningRate, double beta1, double beta2, double epsilon) {
    // Keras 3's slot names: "momentum" (m, the first moment) and "velocity" (v, the second).
    super(List.of("momentum", "velocity"));
    if (!(learningRate > 0)
        || !(beta1 >= 0 && beta1 < 1)
        || !(beta2 >= 0 && beta2 < 1)
        || !(epsilon > 0)) {
      throw ErrorText.problem("settings out of range")
          .in("adam")
          .received(
              "learning_rate="
                  + learningRate
                  + ", beta_1="
                  + beta1
                  + ", beta_2="
                  + beta2
                  + ", epsilon="
                  + epsilon)
          .expected("learning_rate > 0, beta_1 and beta_2 in [0, 1), epsilon > 0")
          .illegalArgument();
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  static Adam fromConfig(Map<String, ?> c) {
    OptimizerConfig.requireOnly(
        "adam", c, Set.of("name", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"));
    if (OptimizerConfig.flag("adam", c, "amsgrad", false)) {
      throw ErrorText.problem("setting 'amsgrad' is not supported")
          .in("adam")
          .received("true")
          .expected("false")
          .illegalArgument();
    }
    return new Adam(
        OptimizerConfig.number(
            "adam", c, "learning_rate", 0.001, LEARNING_RATE.min(), LEARNING_RATE.max()),
        OptimizerConfig.number("adam", c, "beta_1", 0.9, 0, 0.999999999),
        OptimizerConfig.number("adam", c, "beta_2", 0.999, 0, 0.999999999),
        OptimizerConfig.number("adam", c, "epsilon", 1e-7, 1e-30, 1));
  }

  @Override
  public String kerasName() {
    return "adam";
  }

  @Override
  public void apply(float[] params, int offset, float[] grads) {
    int n = grads.length;
    float[][] slots = beginUpdate(params, offset, n);
    float[] m = slots[0];
    float[] v = slots[1];
    long iterations = iterations();
    float alpha =
        (float)
            (learningRate
                * Math.sqrt(1 - Math.pow(beta2, iterations))
                / (1 - Math.pow(beta1, iterations)));
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float eps = (float) epsilon;
    float[] p = window.open(params, offset, n);
    for (int i = 0; i < n; i++) {
      float g = grads[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      p[i] -= alpha * m[i] / ((float) Math.sqrt(v[i]) + eps);
    }
    window.close(p, params, offset, n);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", "adam");
    c.put("learning_rate", learningRate);
    c.put("beta_1", beta1);
    c.put("beta_2", beta2);
    c.put("epsilon", epsilon);
    c.put("amsgrad", false);
    return c;
  }
}
