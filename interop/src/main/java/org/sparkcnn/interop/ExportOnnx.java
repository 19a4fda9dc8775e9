package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Path;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.interop.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
  static final class Options extends ModelExport {
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

    @Mixin Cli.HelpOption help;

    @Override
    Path output() {
      return Path.of(output);
    }

    @Override
    byte[] encode(ModelDirectory.Loaded loaded) {
      return OnnxExport.export(loaded.model(), uint8Input, loaded.info().rescale()).toByteArray();
    }

    @Override
    String written(ModelDirectory.Loaded loaded, Path output, byte[] onnx) {
      int[] in = loaded.model().inputShape().dims();
      return String.format(
          "spark-cnn export-onnx: %s -> %s (%,d bytes, opset %d): input '%s' %s [N, %d, %d, %d],"
              + " output '%s' float [N, %d]",
          model,
          output,
          onnx.length,
          OnnxExport.OPSET,
          uint8Input ? OnnxExport.PIXELS : OnnxExport.INPUT,
          uint8Input
              ? "uint8 pixels (x " + loaded.info().rescale() + " inside the graph)"
              : "float",
          in[0],
          in[1],
          in[2],
          OnnxExport.OUTPUT,
          loaded.model().outputShape().size());
    }
  }

  private ExportOnnx() {}

  public static void main(String[] argv) {
    Args.main("export-onnx", ExportOnnx::run, argv);
  }

  /** Exports; returns the line to print (the usage for --help). */
  public static String run(String... argv) throws IOException {
    return new Options().run(argv);
  }
}
