package org.sparkcnn.core.kernels;

import org.sparkcnn.core.activations.Activation;

/**
 * The fast kernels with their matrix products ({@link VectorGemm}), max pooling and relu ({@link
 * VectorOps}) on the JDK Vector API. Needs the incubator module ({@code --add-modules
 * jdk.incubator.vector}); without it, constructing this class fails with a {@link LinkageError},
 * which {@link KernelSelector} turns into a fallback to {@link ScalarKernels}.
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
  int maxPool2x2Forward(int c, float[] x, int x0, int rowStride, float[] y, int yo) {
    return VectorOps.maxPool2x2Forward(c, x, x0, rowStride, y, yo);
  }

  @Override
  int maxPool2x2Backward(
      int c,
      float[] x,
      int x0,
      int rowStride,
      float[] dy,
      int yo,
      float[] dx,
      boolean overlap,
      boolean relu) {
    return VectorOps.maxPool2x2Backward(c, x, x0, rowStride, dy, yo, dx, overlap, relu);
  }

  @Override
  int poolLanes() {
    return VectorOps.lanes();
  }

  @Override
  void columnSums(int rows, int cols, float[] a, int aOff, float[] out, int off) {
    if (!VectorOps.columnSums(rows, cols, a, aOff, out, off)) {
      super.columnSums(rows, cols, a, aOff, out, off);
    }
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
  public void activationBackward(
      Activation a, int rows, int width, float[] y, float[] dy, float[] dx) {
    if (a == Activation.RELU) {
      VectorOps.reluBackward(rows * width, y, dy, dx);
    } else {
      super.activationBackward(a, rows, width, y, dy, dx);
    }
  }
}
