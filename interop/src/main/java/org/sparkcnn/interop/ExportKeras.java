package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.interop.keras.KerasArchiveWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
  static final class Options extends ModelExport {
    @Option(
        names = "--output",
        required = true,
        paramLabel = "MODEL.keras",
        description = "the archive to write (replaced atomically)")
    String output;

    @Mixin Cli.HelpOption help;

    @Override
    Path output() {
      return Path.of(output);
    }

    @Override
    byte[] encode(ModelDirectory.Loaded loaded) throws IOException {
      return KerasArchiveWriter.encode(loaded.model());
    }

    @Override
    String written(ModelDirectory.Loaded loaded, Path output, byte[] archive) {
      return String.format(
          "spark-cnn export-keras: %s -> %s (%,d bytes): keras.models.load_model(\"%s\")",
          model, output, archive.length, output.getFileName());
    }
  }

  private ExportKeras() {}

  public static void main(String[] argv) {
    Args.main("export-keras", ExportKeras::run, argv);
  }

  /** Exports; returns the line to print (the usage for --help). */
  public static String run(String... argv) throws IOException {
    return new Options().run(argv);
  }
}
