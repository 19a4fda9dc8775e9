package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.interop.keras.KerasArchiveWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scripts/export-keras}: a model directory as a Keras 3 {@code .keras} archive. */
public final class ExportKeras {
  /** The command line; {@code scripts/export-keras --help} prints its help. */
  @Command(
      name = "scripts/export-keras",
      description = {
        "Writes a model directory as a Keras 3 .keras archive (config.json +"
            + " model.weights.h5), which keras.models.load_model opens. The class names and"
            + " rescale stay in DIR/training.json; Keras has no place for them.",
        "e.g. scripts/export-keras --model runs/fmnist/model --output runs/fmnist/model.keras"
      },
      sortOptions = false)
  static final class Options {
    @Option(
        names = "--model",
        required = true,
        paramLabel = "DIR",
        description = "a model directory")
    String model;

    @Option(
        names = "--output",
        required = true,
        paramLabel = "MODEL.keras",
        description = "the archive to write (replaced atomically)")
    String output;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "print this help")
    boolean help;
  }

  private ExportKeras() {}

  public static void main(String[] argv) {
    try {
      System.out.println(run(argv));
    } catch (IllegalArgumentException | IOException e) {
      Args.fail("export-keras", e.getMessage(), 2);
    }
  }

  /** Exports; returns the line to print (the usage for --help). */
  public static String run(String... argv) throws IOException {
    Options args = new Options();
    if (!Cli.parse(args, argv)) {
      return Cli.usage(args);
    }
    ModelDirectory.Loaded loaded = ModelDirectory.load(Path.of(args.model));
    byte[] archive = KerasArchiveWriter.encode(loaded.model());
    Path output = Path.of(args.output);
    ExportOnnx.writeAtomically(output, archive);
    return String.format(
        "spark-cnn export-keras: %s -> %s (%,d bytes): keras.models.load_model(\"%s\")",
        args.model, output, archive.length, output.getFileName());
  }
}
