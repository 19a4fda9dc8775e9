package org.sparkcnn.interop;

import org.sparkcnn.core.errors.ErrorText;

/** What the interop mains share besides their command lines (parsed by core's Cli). */
final class Args {
  private Args() {}

  /** A positive finite number, e.g. --rescale 0.00392156862745098 or 1/255. */
  static double positive(String name, String v, double fallback) {
    if (v == null) {
      return fallback;
    }
    try {
      int slash = v.indexOf('/');
      double d =
          slash < 0
              ? Double.parseDouble(v)
              : Double.parseDouble(v.substring(0, slash))
                  / Double.parseDouble(v.substring(slash + 1));
      if (d > 0 && Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ErrorText.problem("invalid value")
        .in(name)
        .received(v)
        .expected("a positive number such as 1/255 or 0.00392")
        .illegalArgument();
  }

  /** Exits with one line on stderr: the main's failure. */
  static void fail(String tool, String message, int code) {
    System.err.println("spark-cnn " + tool + ": error: " + message);
    System.exit(code);
  }
}
