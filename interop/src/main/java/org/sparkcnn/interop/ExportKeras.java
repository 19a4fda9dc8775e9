package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.interop.keras.KerasArchiveWriter;

/** {@code scripts/export-keras}: a model directory as a Keras 3 {@code .keras} archive. */
public final class ExportKeras {
  static final String USAGE = "usage: export-keras --model DIR --output MODEL.keras";

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
    Args args =
        Args.parse(
            argv, Set.of("--model", "--output"), Set.of(), List.of("--model", "--output"), USAGE);
    if (args == null) {
      return USAGE;
    }
    ModelDirectory.Loaded loaded = ModelDirectory.load(Path.of(args.get("--model")));
    byte[] archive = KerasArchiveWriter.encode(loaded.model());
    Path output = Path.of(args.get("--output"));
    ExportOnnx.writeAtomically(output, archive);
    return String.format(
        "spark-cnn export-keras: %s -> %s (%,d bytes): keras.models.load_model(\"%s\")",
        args.get("--model"), output, archive.length, output.getFileName());
  }
}
