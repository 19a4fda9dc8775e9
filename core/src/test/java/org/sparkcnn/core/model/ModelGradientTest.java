package org.sparkcnn.core.model;

import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.kernels.ReferenceKernels;
import org.sparkcnn.core.layers.ActivationLayer;
import org.sparkcnn.core.layers.AveragePooling2D;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.optim.Sgd;
import org.sparkcnn.core.testing.GradientCheck;

/**
 * Finite-difference checks of whole models in float: the plumbing around the double-checked
 * reference math (each layer's slice of the flat arrays, activation steps, fused losses, Flatten
 * and Dropout buffers). In float, h = 1e-2 and the tolerance is 1e-2 relative with a 2e-3 absolute
 * floor: forward rounding (~1e-6 of a loss of ~5) divided by 2h gives ~3e-4 of noise, and h^2
 * curvature terms ~1e-4. A wrong offset or a missing term gives errors of order 1. Max pooling sees
 * inputs spaced 0.05 apart, so no perturbation changes a window's maximum.
 */
class ModelGradientTest {
  private static final double H = 1e-2;
  private static final double REL = 1e-2;
  private static final double ABS = 2e-3;

  private static void checkModel(
      String what,
      Supplier<Sequential> build,
      String loss,
      float[] x,
      float[] targets,
      int n,
      boolean training) {
    Sequential model = build.get().kernels(new ReferenceKernels()).seed(7);
    model.compile(loss, new Sgd(0.1), "accuracy");
    float[] params = model.parameters().clone();
    // Shift biases off zero so every term of the bias gradient is exercised.
    for (int i = 0; i < params.length; i++) {
      params[i] += 0.05f * (float) Math.sin(i);
    }
    StepContext step = new StepContext(training, 99, null);
    float[] grads = new float[params.length];
    float[] dx = new float[x.length];
    model.computeInputGradient(params, x, targets, n, step, grads, dx);

    GradientCheck.check(
        what + " d/dparams",
        toDouble(params),
        toDouble(grads),
        v -> {
          float[] p = toFloat(v);
          return model.computeGradient(p, x, targets, n, step, new float[p.length]).lossSum();
        },
        H,
        REL,
        ABS);
    GradientCheck.check(
        what + " d/dx",
        toDouble(x),
        toDouble(dx),
        v ->
            model
                .computeGradient(params, toFloat(v), targets, n, step, new float[params.length])
                .lossSum(),
        H,
        REL,
        ABS);
  }

  @Test
  void convStride2SameTanhDenseSoftmaxSparseCrossentropy() {
    int n = 3;
    checkModel(
        "conv/same/stride2",
        () ->
            new Sequential()
                .add(
                    new Conv2D(3, 3)
                        .strides(2)
                        .padding("same")
                        .activation("tanh")
                        .inputShape(5, 7, 2))
                .add(new Flatten())
                .add(new Dense(4, "softmax")),
        "sparse_categorical_crossentropy",
        random(n * 5 * 7 * 2, 1),
        new float[] {0, 3, 1},
        n,
        true);
  }

  @Test
  void maxPoolSameThenDenseSigmoidBinaryCrossentropy() {
    int n = 2;
    checkModel(
        "maxpool/same",
        () ->
            new Sequential()
                .add(new MaxPooling2D(2).padding("same").inputShape(5, 3, 3))
                .add(new Flatten())
                .add(new Dense(2, "sigmoid")),
        "binary_crossentropy",
        spaced(n * 5 * 3 * 3, 2),
        new float[] {1, 0, 0, 1},
        n,
        true);
  }

  @Test
  void averagePoolValidConvSigmoidActivationLayerMse() {
    int n = 2;
    checkModel(
        "avgpool+conv+Activation",
        () ->
            new Sequential()
                .add(new AveragePooling2D(2).strides(1).inputShape(6, 5, 2))
                .add(new Conv2D(2, 2, 3).activation("sigmoid"))
                .add(new Flatten())
                .add(new Dense(3))
                .add(new ActivationLayer("tanh")),
        "mse",
        random(n * 6 * 5 * 2, 3),
        random(n * 3, 4),
        n,
        true);
  }

  @Test
  void dropoutInTrainingCategoricalCrossentropyFromSoftmaxLayer() {
    int n = 3;
    float[] targets = {1, 0, 0, 0, 0.5f, 0.5f, 0, 0, 1};
    checkModel(
        "dropout",
        () ->
            new Sequential()
                .add(new Flatten().inputShape(2, 2, 2))
                .add(new Dense(6, "tanh"))
                .add(new Dropout(0.4))
                .add(new Dense(3))
                .add(new ActivationLayer("softmax")),
        "categorical_crossentropy",
        random(n * 8, 5),
        targets,
        n,
        true);
  }

  @Test
  void softmaxWithoutFusionUsesTheLossOnProbabilities() {
    int n = 2;
    // mse does not fuse with softmax: the gradient must flow through softmax's Jacobian.
    checkModel(
        "softmax+mse",
        () -> new Sequential().add(new Dense(4, "softmax").inputShape(3)),
        "mse",
        random(n * 3, 6),
        random(n * 4, 7),
        n,
        false);
  }

  static float[] random(int count, long seed) {
    return toFloat(GradientCheck.random(count, seed));
  }

  /** A shuffled ramp with steps of 0.05: distinct values, far apart compared with H. */
  static float[] spaced(int count, long seed) {
    Random r = new Random(seed);
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = (i - count / 2f) * 0.05f;
    }
    for (int i = count - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      float t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    return v;
  }

  static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
