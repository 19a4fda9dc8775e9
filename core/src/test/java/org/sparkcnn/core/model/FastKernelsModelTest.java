package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.kernels.KernelSelector;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.kernels.ReferenceKernels;
import org.sparkcnn.core.kernels.ScalarKernels;
import org.sparkcnn.core.kernels.VectorKernels;
import org.sparkcnn.core.layers.ParamSpec;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.optim.Sgd;

/**
 * The whole seed model's gradient with the fast kernels against the reference kernels, weight
 * tensor by weight tensor: ||fast - ref|| <= 1e-4 ||ref|| (Euclidean norms). Why 1e-4: each float
 * kernel is within (T + 2) 2^-24 of the sum of its absolute terms (see the parity tests), typically
 * sqrt(T) 2^-24 ~ 3e-6 for the model's largest T (2,704 products per conv1 weight gradient); the
 * backward pass chains about six such kernels, each relative error carried forward roughly
 * additively (~2e-5). 1e-4 leaves a factor of 5 for it, while a misplaced index, a missing term or
 * a wrong fusion gives errors of order 1. Inputs are continuous random values, so no max-pooling
 * window is tied to within float rounding.
 */
class FastKernelsModelTest {
  private static final double REL = 1e-4;

  @Test
  void seedModelGradientMatchesTheReferenceKernels() {
    List<Kernels> fast = new ArrayList<>(List.of(new ScalarKernels()));
    if (KernelSelector.vectorApiAvailable()) {
      fast.add(new VectorKernels());
    }
    int n = 5;
    Random r = new Random(11);
    float[] x = new float[n * 28 * 28];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    float[] labels = {3, 1, 4, 1, 5};
    Gradient ref = gradient(new ReferenceKernels(), x, labels, n);
    for (Kernels k : fast) {
      Gradient g = gradient(k, x, labels, n);
      assertTrue(
          Math.abs(g.loss - ref.loss) <= REL * Math.abs(ref.loss),
          k.name() + ": loss " + g.loss + " vs reference " + ref.loss);
      for (ParamSpec t : ref.tensors) {
        double diff = 0;
        double norm = 0;
        for (int i = t.offset(); i < t.offset() + t.size(); i++) {
          diff += Math.pow(g.grads[i] - ref.grads[i], 2);
          norm += Math.pow(ref.grads[i], 2);
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel <= REL, k.name() + " " + t.name() + ": relative error " + rel + " > " + REL);
      }
    }
  }

  private record Gradient(double loss, float[] grads, List<ParamSpec> tensors) {}

  private static Gradient gradient(Kernels k, float[] x, float[] labels, int n) {
    Sequential m = SeedModels.fashionMnist(64).kernels(k).seed(3);
    m.compile("sparse_categorical_crossentropy", new Sgd(0.1), "accuracy");
    float[] params = m.parameters();
    // Biases off zero, so every bias gradient term is exercised.
    for (int i = 0; i < params.length; i++) {
      params[i] += 0.01f * (float) Math.sin(i);
    }
    float[] grads = new float[params.length];
    double loss =
        m.computeGradient(params, x, labels, n, new StepContext(true, 1, null), grads).lossSum();
    return new Gradient(loss, grads, m.weightTensors());
  }
}
