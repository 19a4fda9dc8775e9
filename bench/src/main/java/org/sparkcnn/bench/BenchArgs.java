package org.sparkcnn.bench;

import org.sparkcnn.core.errors.ErrorText;

/** What every benchmark main says about an argument it does not know. */
final class BenchArgs {
  private BenchArgs() {}

  /**
   * @param bench the main's name, e.g. "CoreBench"
   * @param expected the options it takes, e.g. "--steps N or --quick"
   */
  static IllegalArgumentException unknown(String bench, String argument, String expected) {
    return ErrorText.problem("unknown argument")
        .in(bench)
        .received(ErrorText.quote(argument))
        .expected(expected)
        .illegalArgument();
  }
}
