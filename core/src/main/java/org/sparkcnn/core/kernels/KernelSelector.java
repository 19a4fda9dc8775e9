package org.sparkcnn.core.kernels;

import java.util.logging.Logger;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Chooses the {@link Kernels} implementation once per JVM and logs the choice in one line. The
 * system property {@code sparkcnn.kernels} selects one:
 *
 * <ul>
 *   <li>{@code auto} (default): {@code VectorKernels} when the JVM has the Vector API module, else
 *       {@link ScalarKernels}, with one line saying how to enable the fast path;
 *   <li>{@code vector}: {@code VectorKernels}, failing if the module is absent;
 *   <li>{@code scalar}: {@link ScalarKernels}, the plain-Java fast path;
 *   <li>{@code reference}: {@link ReferenceKernels}, the double-precision oracle (slow).
 * </ul>
 */
public final class KernelSelector {
  public static final String PROPERTY = "sparkcnn.kernels";

  /** The JVM option that makes the Vector API available. */
  public static final String ENABLE_FLAG = "--add-modules=jdk.incubator.vector";

  private static final Logger LOG = Logger.getLogger(KernelSelector.class.getName());
  private static volatile Kernels chosen;

  private KernelSelector() {}

  /** The JVM-wide kernels, chosen on first use. */
  public static Kernels get() {
    Kernels k = chosen;
    if (k == null) {
      synchronized (KernelSelector.class) {
        if (chosen == null) {
          chosen = choose(System.getProperty(PROPERTY, "auto"));
          LOG.info("spark-cnn kernels: " + chosen.name());
        }
        k = chosen;
      }
    }
    return k;
  }

  /** Prints the kernels this JVM would use: {@code java [flags] -cp core.jar ...KernelSelector}. */
  public static void main(String[] args) {
    System.out.println(get().name());
  }

  static Kernels choose(String setting) {
    return switch (setting) {
      case "reference" -> new ReferenceKernels();
      case "scalar" -> new ScalarKernels();
      case "vector" -> {
        Kernels v = vectorOrNull();
        if (v == null) {
          throw new IllegalStateException(
              ErrorText.problem("the Vector API module is missing")
                  .in("-D" + PROPERTY + "=vector")
                  .received("a JVM without it")
                  .expected("one started with " + ENABLE_FLAG)
                  .text());
        }
        yield v;
      }
      case "auto" -> {
        Kernels v = vectorOrNull();
        if (v == null) {
          LOG.warning(
              "spark-cnn: the Vector API is not available, using the slower scalar "
                  + "kernels; start the JVM with "
                  + ENABLE_FLAG
                  + " (for Spark, in "
                  + "spark.driver.extraJavaOptions and spark.executor.extraJavaOptions)");
          yield new ScalarKernels();
        }
        yield v;
      }
      default ->
          throw ErrorText.problem("unknown kernels")
              .in("-D" + PROPERTY)
              .received(ErrorText.quote(setting))
              .expected("\"auto\", \"vector\", \"scalar\" or \"reference\"")
              .illegalArgument();
    };
  }

  /** True if this JVM was started with the Vector API incubator module. */
  public static boolean vectorApiAvailable() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** VectorKernels, or null when the module is absent (its classes then fail to link). */
  private static Kernels vectorOrNull() {
    if (!vectorApiAvailable()) {
      return null;
    }
    try {
      // By name: the other classes of core compile without the incubator module (core/pom.xml).
      return Class.forName("org.sparkcnn.core.kernels.VectorKernels")
          .asSubclass(Kernels.class)
          .getDeclaredConstructor()
          .newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }
}
