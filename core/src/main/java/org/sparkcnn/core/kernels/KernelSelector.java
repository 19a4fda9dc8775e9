package org.sparkcnn.core.kernels;

import java.util.logging.Logger;

/**
 * Chooses the {@link Kernels} implementation once per JVM and logs the choice. The system
 * property {@code sparkcnn.kernels} forces one: {@code reference} for the plain oracle,
 * {@code auto} (the default) for the fastest available.
 */
public final class KernelSelector {
  public static final String PROPERTY = "sparkcnn.kernels";
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

  static Kernels choose(String setting) {
    return switch (setting) {
      case "reference", "auto" -> new ReferenceKernels();
      default -> throw new IllegalArgumentException("unknown -D" + PROPERTY + "; received \""
          + setting + "\", expected \"auto\" or \"reference\"");
    };
  }
}
