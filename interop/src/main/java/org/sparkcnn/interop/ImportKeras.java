package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.interop.keras.KerasImporter;

/**
 * {@code scripts/import-keras}: a Keras model (.keras, legacy .h5, or JSON + weights) into a
 * spark-cnn model directory that evaluate, score, CnnClassificationModel.load and init_weights
 * accept. The directory records where the model came from, and the loss, optimizer and metrics
 * Keras compiled it with when the file holds them and this engine reproduces them (else the model
 * is imported uncompiled and the line printed says why).
 */
public final class ImportKeras {
  static final String USAGE =
      "usage: import-keras --input MODEL.keras|MODEL.h5|MODEL.json [--weights W] --output DIR"
          + " [--class-names a,b,c] [--rescale R (default 1/255)]";

  private ImportKeras() {}

  public static void main(String[] argv) {
    try {
      System.out.println(run(argv));
    } catch (IllegalArgumentException | IOException e) {
      Args.fail("import-keras", e.getMessage(), 2);
    }
  }

  /** Imports and saves; returns the line to print (the usage for --help). */
  public static String run(String... argv) throws IOException {
    Args args =
        Args.parse(
            argv,
            Set.of("--input", "--weights", "--output", "--class-names", "--rescale"),
            Set.of(),
            List.of("--input", "--output"),
            USAGE);
    if (args == null) {
      return USAGE;
    }
    Path input = Path.of(args.get("--input"));
    Path weights = args.get("--weights") == null ? null : Path.of(args.get("--weights"));
    Path output = Path.of(args.get("--output"));
    KerasImporter.Imported imported = KerasImporter.read(input, weights);
    List<String> classNames =
        args.get("--class-names") == null
            ? null
            : Arrays.stream(args.get("--class-names").split(",", -1)).map(String::strip).toList();
    ModelInfo info =
        new ModelInfo(
            classNames, args.positive("--rescale", ModelInfo.UNIT_RANGE), imported.facts());
    int outputs = imported.model().outputShape().size();
    // As ModelDirectory allows: one name per output, or two for a single sigmoid output.
    if (classNames != null
        && classNames.size() != outputs
        && !(outputs == 1 && classNames.size() == 2)) {
      throw new IllegalArgumentException(
          "--class-names has the wrong length; received: "
              + classNames.size()
              + " names; expected: "
              + outputs
              + ", one per model output"
              + (outputs == 1 ? " (or 2 for a sigmoid output: negative, positive)" : ""));
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
