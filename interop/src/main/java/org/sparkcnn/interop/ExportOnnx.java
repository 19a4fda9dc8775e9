package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.interop.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scripts/export-onnx}: a model directory as an ONNX file (opset {@value OnnxExport#OPSET})
 * for ONNX Runtime and other places without Spark or Java.
 */
public final class ExportOnnx {
  /** The command line; {@code scripts/export-onnx --help} prints its help. */
  @Command(
      name = "scripts/export-onnx",
      description = {
        "Writes a model directory as an ONNX model (opset 17) for ONNX Runtime and other places"
            + " without Spark or Java. Input 'input': float [N, H, W, C] in the model's input space"
            + " (pixels x rescale); output 'probabilities': float [N, classes]. Nodes and weights"
            + " are named after the layers (conv2d, conv2d/relu, conv2d/kernel, ...).",
        "e.g. scripts/export-onnx --model runs/fmnist/model --output runs/fmnist/model.onnx",
        "     python: onnxruntime.InferenceSession(\"model.onnx\").run(None, {\"input\": x})[0]"
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
        paramLabel = "MODEL.onnx",
        description = "the ONNX file to write (replaced atomically)")
    String output;

    @Option(
        names = "--uint8-input",
        description =
            "input 'pixels' instead: raw uint8 [N, H, W, C]; the rescale runs inside the graph")
    boolean uint8Input;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "print this help")
    boolean help;
  }

  private ExportOnnx() {}

  public static void main(String[] argv) {
    try {
      System.out.println(run(argv));
    } catch (IllegalArgumentException | IOException e) {
      Args.fail("export-onnx", e.getMessage(), 2);
    }
  }

  /** Exports; returns the line to print (the usage for --help). */
  public static String run(String... argv) throws IOException {
    Options args = new Options();
    if (!Cli.parse(args, argv)) {
      return Cli.usage(args);
    }
    ModelDirectory.Loaded loaded = ModelDirectory.load(Path.of(args.model));
    boolean uint8 = args.uint8Input;
    byte[] onnx = OnnxExport.export(loaded.model(), uint8, loaded.info().rescale()).toByteArray();
    Path output = Path.of(args.output);
    writeAtomically(output, onnx);
    int[] in = loaded.model().inputShape().dims();
    return String.format(
        "spark-cnn export-onnx: %s -> %s (%,d bytes, opset %d): input '%s' %s [N, %d, %d, %d],"
            + " output '%s' float [N, %d]",
        args.model,
        output,
        onnx.length,
        OnnxExport.OPSET,
        uint8 ? OnnxExport.PIXELS : OnnxExport.INPUT,
        uint8 ? "uint8 pixels (x " + loaded.info().rescale() + " inside the graph)" : "float",
        in[0],
        in[1],
        in[2],
        OnnxExport.OUTPUT,
        loaded.model().outputShape().size());
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
