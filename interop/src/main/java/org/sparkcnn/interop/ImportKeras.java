package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.interop.keras.KerasImporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code scripts/import-keras}: a Keras model (.keras, legacy .h5, or JSON + weights) into a
 * spark-cnn model directory that evaluate, score, CnnClassificationModel.load and init_weights
 * accept. The directory records where the model came from, and the loss, optimizer and metrics
 * Keras compiled it with when the file holds them and this engine reproduces them (else the model
 * is imported uncompiled and the line printed says why).
 */
public final class ImportKeras {
  /** The command line; {@code scripts/import-keras --help} prints its help. */
  @Command(
      name = "scripts/import-keras",
      description = {
        "Imports a Keras model into a spark-cnn model directory, which scripts/evaluate,"
            + " scripts/score, CnnClassificationModel.load and init_weights accept. Sequential"
            + " models of InputLayer, Conv2D, MaxPooling2D, AveragePooling2D, Dense, Flatten,"
            + " Dropout and Activation only; anything else is an error naming the layer and what"
            + " is supported.",
        "e.g. scripts/import-keras --input fmnist.keras --output runs/imported --class-names a,b,c"
      },
      sortOptions = false)
  static final class Options {
    @Option(
        names = "--input",
        required = true,
        paramLabel = "MODEL",
        description =
            "a .keras archive (Keras 3 model.save), a legacy .h5 (model.save(\"m.h5\"), tf.keras"
                + " 2.x or Keras 3), or model.to_json() JSON (tf.keras 2.x or Keras 3) with"
                + " --weights")
    String input;

    @Option(
        names = "--weights",
        paramLabel = "W",
        description =
            "for JSON: safetensors (Keras 2 layer names or Keras 3 variable paths), a Keras 3"
                + " .weights.h5 (model.save_weights) or a legacy .h5")
    String weights;

    @Option(
        names = "--output",
        required = true,
        paramLabel = "DIR",
        description = "the model directory to write")
    String output;

    @Option(
        names = "--class-names",
        paramLabel = "a,b,c",
        description = "class names in label order")
    String classNames;

    @Option(
        names = "--rescale",
        paramLabel = "R",
        description = "model input = pixel * R for uint8 pixels (default 1/255: inputs in [0, 1])")
    String rescale;

    @Mixin Cli.HelpOption help;
  }

  private ImportKeras() {}

  public static void main(String[] argv) {
    Args.main("import-keras", ImportKeras::run, argv);
  }

  /** Imports and saves; returns the line to print (the usage for --help). */
  public static String run(String... argv) throws IOException {
    Options args = new Options();
    if (!Cli.parse(args, argv)) {
      return Cli.usage(args);
    }
    Path input = Path.of(args.input);
    Path weights = args.weights == null ? null : Path.of(args.weights);
    Path output = Path.of(args.output);
    KerasImporter.Imported imported = KerasImporter.read(input, weights);
    List<String> classNames =
        args.classNames == null
            ? null
            : Arrays.stream(args.classNames.split(",", -1)).map(String::strip).toList();
    ModelInfo info =
        new ModelInfo(
            classNames,
            Args.positive("--rescale", args.rescale, ModelInfo.UNIT_RANGE),
            imported.facts());
    int outputs = imported.model().outputShape().size();
    // As ModelDirectory allows: one name per output, or two for a single sigmoid output.
    if (classNames != null
        && classNames.size() != outputs
        && !(outputs == 1 && classNames.size() == 2)) {
      throw ErrorText.problem("wrong number of class names")
          .in("--class-names")
          .received(classNames.size() + " names")
          .expected(
              outputs
                  + ", one per model output"
                  + (outputs == 1 ? " (or 2 for a sigmoid output: negative, positive)" : ""))
          .illegalArgument();
    }
    ModelDirectory.save(imported.model(), info, output);
    Object compiled = imported.facts().get("compiled_with");
    Object skipped = imported.facts().get("compile_skipped");
    String compile =
        compiled != null
            ? "; compiled with " + compiled
            : skipped != null ? "; compile settings not imported: " + skipped : "";
    return String.format(
        "spark-cnn import-keras: %s (%s) -> %s: %s, %,d parameters, input %s, %d outputs%s",
        input,
        imported.facts().get("format"),
        output,
        imported.model().describe(),
        imported.model().paramCount(),
        imported.model().inputShape(),
        imported.model().outputShape().size(),
        compile);
  }
}
