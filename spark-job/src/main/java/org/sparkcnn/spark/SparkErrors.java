package org.sparkcnn.spark;

/** Digs a task's own reason out of the exceptions Spark wraps it in. */
final class SparkErrors {
  private SparkErrors() {}

  /** The message of the innermost cause: the exception the task itself threw. */
  static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
