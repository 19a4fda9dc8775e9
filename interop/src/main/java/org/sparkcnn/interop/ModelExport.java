package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.io.ModelDirectory;
import picocli.CommandLine.Option;

/**
 * What both exports do: read the model directory given by {@code --model}, encode it, and write the
 * bytes to the export's output file atomically. A subclass is the export's command line (its
 * {@code @Command}, its {@code --output}, any other options and {@code -h}) and its encoding.
 */
abstract class ModelExport {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "a model directory")
  String model;

  /** The file to write, from the export's --output option. */
  abstract Path output();

  /** The bytes of the exported file. */
  abstract byte[] encode(ModelDirectory.Loaded loaded) throws IOException;

  /** The line printed once the file is written. */
  abstract String written(ModelDirectory.Loaded loaded, Path output, byte[] bytes);

  /** Parses argv into this command and exports; returns the line to print (usage for --help). */
  final String run(String[] argv) throws IOException {
    if (!Cli.parse(this, argv)) {
      return Cli.usage(this);
    }
    ModelDirectory.Loaded loaded = ModelDirectory.load(Path.of(model));
    byte[] bytes = encode(loaded);
    Path output = output();
    writeAtomically(output, bytes);
    return written(loaded, output, bytes);
  }

  /** A temporary sibling, then one rename: the file is complete or absent. */
  static void writeAtomically(Path output, byte[] data) throws IOException {
    Path parent = output.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, "." + output.getFileName() + ".", ".tmp");
    try {
      Files.write(tmp, data);
      Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
