package org.sparkcnn.core.errors;

/**
 * Passing on what another thread threw (the cause of an {@code ExecutionException}, a worker's
 * failure) without wrapping what needs no wrapping.
 */
public final class Rethrow {
  private Rethrow() {}

  /**
   * Throws {@code t} itself when it is unchecked (a {@link RuntimeException} or an {@link Error});
   * returns otherwise (also for null), so that the caller wraps a checked one as it sees fit.
   */
  public static void ifUnchecked(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
  }
}
