package org.sparkcnn.core.kernels;

/**
 * The fast kernels with their matrix products on the JDK Vector API ({@link VectorGemm}). Needs
 * the incubator module ({@code --add-modules jdk.incubator.vector}); without it, constructing
 * this class fails with a {@link LinkageError}, which {@link KernelSelector} turns into a
 * fallback to {@link ScalarKernels}.
 */
public final class VectorKernels extends FastKernels {
  public VectorKernels() {
    super(new VectorGemm());
  }

  @Override
  public String name() {
    return "vector (" + gemm().name() + ")";
  }
}
