package org.sparkcnn.interop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} command-line options of the interop mains, checked against a usage. */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Set<String> flags;

  private Args(Set<String> flags) {
    this.flags = flags;
  }

  /**
   * @param options the options taking a value
   * @param flags the options taking none
   * @return null when -h or --help was asked for
   */
  static Args parse(
      String[] argv, Set<String> options, Set<String> flags, List<String> required, String usage) {
    Args a = new Args(flags);
    for (int i = 0; i < argv.length; i++) {
      String arg = argv[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        return null;
      }
      if (flags.contains(arg)) {
        a.values.put(arg, "true");
      } else if (options.contains(arg)) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException(arg + " needs a value; " + usage);
        }
        a.values.put(arg, argv[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument; received: " + arg + "; " + usage);
      }
    }
    for (String r : required) {
      if (!a.values.containsKey(r)) {
        throw new IllegalArgumentException(r + " is required; " + usage);
      }
    }
    return a;
  }

  String get(String name) {
    return values.get(name);
  }

  boolean flag(String name) {
    return flags.contains(name) && values.containsKey(name);
  }

  /** A positive finite number, e.g. --rescale 0.00392156862745098 or 1/255. */
  double positive(String name, double fallback) {
    String v = values.get(name);
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
    throw new IllegalArgumentException(
        name
            + ": invalid value; received: "
            + v
            + "; expected: a positive number such as 1/255 or 0.00392");
  }

  /** Exits with one line on stderr: the main's failure. */
  static void fail(String tool, String message, int code) {
    System.err.println("spark-cnn " + tool + ": error: " + message);
    System.exit(code);
  }
}
