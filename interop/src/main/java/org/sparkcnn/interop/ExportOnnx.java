package org.sparkcnn.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.interop.onnx.OnnxExport;

/**
 * {@code scripts/export-onnx}: a model directory as an ONNX file (opset {@value OnnxExport#OPSET})
 * for ONNX Runtime and other places without Spark or Java.
 */
public final class ExportOnnx {
  static final String USAGE = "usage: export-onnx --model DIR --output MODEL.onnx [--uint8-input]";

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
    Args args =
        Args.parse(
            argv,
            Set.of("--model", "--output"),
            Set.of("--uint8-input"),
            List.of("--model", "--output"),
            USAGE);
    if (args == null) {
      return USAGE;
    }
    ModelDirectory.Loaded loaded = ModelDirectory.load(Path.of(args.get("--model")));
    boolean uint8 = args.flag("--uint8-input");
    byte[] onnx = OnnxExport.export(loaded.model(), uint8, loaded.info().rescale()).toByteArray();
    Path output = Path.of(args.get("--output"));
    writeAtomically(output, onnx);
    int[] in = loaded.model().inputShape().dims();
    return String.format(
        "spark-cnn export-onnx: %s -> %s (%,d bytes, opset %d): input '%s' %s [N, %d, %d, %d],"
            + " output '%s' float [N, %d]",
        args.get("--model"),
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
