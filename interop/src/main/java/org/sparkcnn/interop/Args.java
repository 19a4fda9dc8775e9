package org.sparkcnn.interop;

import java.io.IOException;
import org.sparkcnn.core.errors.ErrorText;

/** What the interop mains share besides their command lines: the main and number arguments. */
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

  /** What a main runs: its command line in, the line to print out (the usage for --help). */
  interface Tool {
    String run(String... argv) throws IOException;
  }

  /** Prints what the tool returns, or exits with status 2 and one line on stderr. */
  static void main(String tool, Tool run, String[] argv) {
    try {
      System.out.println(run.run(argv));
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("spark-cnn " + tool + ": error: " + e.getMessage());
      System.exit(2);
    }
  }
}
