package org.sparkcnn.spark.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** What a failure says, through Spark's wrapping of task failures. */
public final class Failures {
  private Failures() {}

  /** The messages of what {@code r} throws and of every cause, one a line (it must throw). */
  public static String messageOf(Runnable r) {
    Throwable t = assertThrows(Throwable.class, r::run);
    StringBuilder all = new StringBuilder();
    for (; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }
}
