package org.sparkcnn.core.kernels;

/**
 * The fast kernels on plain Java loops: the path taken when the JVM runs without {@code
 * --add-modules jdk.incubator.vector}, or forced with {@code -Dsparkcnn.kernels=scalar}.
 */
public final class ScalarKernels extends FastKernels {
  public ScalarKernels() {
    super(new ScalarGemm());
  }

  @Override
  public String name() {
    return "scalar";
  }
}
