package org.sparkcnn.core.cli;

import java.util.List;
import java.util.stream.Collectors;
import org.sparkcnn.core.errors.ErrorText;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one command-line parser of every main (the Spark jobs, the launcher's check, the interop
 * tools): picocli over a class whose fields carry {@code @Option}s, with errors in the project's
 * template and help that the scripts print as it is. (picocli is an optional dependency of core: a
 * module with a main declares it.)
 */
public final class Cli {
  private Cli() {}

  /**
   * Fills {@code command}'s options from {@code args}.
   *
   * @return false when {@code -h} or {@code --help} was asked for (nothing else is checked then)
   * @throws IllegalArgumentException one line: what is wrong with the command line, and a hint
   */
  public static boolean parse(Object command, String[] args) {
    CommandLine cl = commandLine(command);
    // Unknown arguments are collected rather than thrown, so that they are reported even when a
    // required option is missing too (picocli would report the missing one first).
    boolean collects =
        !cl.getCommandSpec().unmatchedArgsBindings().isEmpty(); // an @Unmatched field
    cl.setUnmatchedArgumentsAllowed(true);
    CommandLine.ParameterException failure = null;
    try {
      cl.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      failure = e;
    }
    if (cl.isUsageHelpRequested()) {
      return false;
    }
    if (!collects && !cl.getUnmatchedArguments().isEmpty()) {
      throw new IllegalArgumentException(
          ErrorText.problem("unknown argument")
              .received(String.join(" ", cl.getUnmatchedArguments()))
              .expected("the options of " + cl.getCommandName())
              .hint(HINT)
              .text(),
          failure);
    }
    if (failure != null) {
      throw new IllegalArgumentException(message(failure), failure);
    }
    return true;
  }

  private static final String HINT = "run with --help for the options";

  /** {@code -h/--help}, for a command class to take with {@code @Mixin}. */
  public static final class HelpOption {
    @CommandLine.Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "print this help")
    boolean help;
  }

  /** The help text: synopsis, description, every option with its description, and the footer. */
  public static String usage(Object command) {
    return commandLine(command).getUsageMessage(CommandLine.Help.Ansi.OFF);
  }

  private static CommandLine commandLine(Object command) {
    return new CommandLine(command)
        .setUsageHelpWidth(100)
        .setOverwrittenOptionsAllowed(true)
        .setTrimQuotes(false);
  }

  private static String message(CommandLine.ParameterException e) {
    String hint = HINT;
    // A required option absent (not an option given without its value).
    if (e instanceof CommandLine.MissingParameterException m
        && e.getMessage().startsWith("Missing required option")
        && m.getMissing().stream().allMatch(a -> a instanceof OptionSpec)) {
      List<ArgSpec> missing = m.getMissing();
      return ErrorText.problem(
              "missing "
                  + missing.stream()
                      .map(a -> ((OptionSpec) a).longestName())
                      .collect(Collectors.joining(", ")))
          .hint(hint)
          .text();
    }
    String what = e.getMessage();
    if (what.endsWith(".")) {
      what = what.substring(0, what.length() - 1);
    }
    return ErrorText.problem(what).hint(hint).text();
  }
}
