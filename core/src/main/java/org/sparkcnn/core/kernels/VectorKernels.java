package org.sparkcnn.core.kernels;

import java.util.Arrays;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.tensor.Window2D;

/**
 * The fast kernels with their matrix products ({@link VectorGemm}), max pooling and relu
 * ({@link VectorOps}) on the JDK Vector API. Needs the incubator module
 * ({@code --add-modules jdk.incubator.vector}); without it, constructing this class fails with a
 * {@link LinkageError}, which {@link KernelSelector} turns into a fallback to
 * {@link ScalarKernels}.
 */
public final class VectorKernels extends FastKernels {
  public VectorKernels() {
    super(new VectorGemm());
  }

  @Override
  public String name() {
    return "vector (" + gemm().name() + ")";
  }

  @Override
  public void maxPool2dForward(Window2D g, int n, float[] x, float[] y) {
    maxPoolForward(g, n, x, y, VectorOps.maxPoolForward(g, n, x, y));
  }

  @Override
  public void maxPool2dBackward(Window2D g, int n, float[] x, float[] dy, float[] dx) {
    Arrays.fill(dx, 0, n * g.inputSize(), 0f);
    maxPoolBackward(g, n, x, dy, dx, VectorOps.maxPoolBackward(g, n, x, dy, dx));
  }

  @Override
  public void activationForward(Activation a, int rows, int width, float[] x, float[] y) {
    if (a == Activation.RELU) {
      VectorOps.reluForward(rows * width, x, y);
    } else {
      super.activationForward(a, rows, width, x, y);
    }
  }

  @Override
  public void activationBackward(Activation a, int rows, int width, float[] y, float[] dy,
      float[] dx) {
    if (a == Activation.RELU) {
      VectorOps.reluBackward(rows * width, y, dy, dx);
    } else {
      super.activationBackward(a, rows, width, y, dy, dx);
    }
  }
}
