package org.sparkcnn.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.interop.keras.KerasImporter;

/**
 * The three scripts' mains end to end: Keras fixture → model directory → .keras and .onnx. (That
 * Keras 3.15 itself loads the exported archive and predicts what was recorded was checked once by
 * hand, see docs/interop.md; CI has no Python.)
 */
class ExportMainsTest {
  @TempDir Path tmp;

  private Path importedDirectory() throws IOException {
    Path dir = tmp.resolve("model");
    ImportKeras.run(
        "--input", Fixtures.keras3("all-layers.keras").toString(), "--output", dir.toString());
    return dir;
  }

  @Test
  void exportedKerasArchiveReadsBackWithTheSameWeights() throws IOException {
    Path dir = importedDirectory();
    Path archive = tmp.resolve("out.keras");
    String line = ExportKeras.run("--model", dir.toString(), "--output", archive.toString());
    assertTrue(line.contains("out.keras"), line);
    try (ZipFile zip = new ZipFile(archive.toFile())) {
      assertEquals(
          Set.of("metadata.json", "config.json", "model.weights.h5"),
          Set.copyOf(zip.stream().map(ZipEntry::getName).toList()));
    }
    Sequential original = KerasImporter.read(Fixtures.keras3("all-layers.keras"), null).model();
    Sequential back = KerasImporter.read(archive, null).model();
    assertEquals(original.summary(), back.summary());
    assertArrayEquals(original.parameters(), back.parameters());
    try (var files = Files.list(tmp)) {
      assertEquals(2, files.count(), "no temporary files left beside the output");
    }
  }

  @Test
  void exportedOnnxFileOpensInOnnxRuntime() throws IOException, OrtException {
    Path dir = importedDirectory();
    Path onnx = tmp.resolve("m.onnx");
    ExportOnnx.run("--model", dir.toString(), "--output", onnx.toString(), "--uint8-input");
    try (OrtSession s = OrtEnvironment.getEnvironment().createSession(onnx.toString())) {
      assertEquals(Set.of("pixels"), s.getInputNames());
      assertEquals(Set.of("probabilities"), s.getOutputNames());
    }
  }

  @Test
  void badArgumentsSayWhatIsExpected() {
    Exception e =
        assertThrows(
            IllegalArgumentException.class, () -> ExportOnnx.run("--model", "m", "--out", "x"));
    assertTrue(e.getMessage().contains("unknown argument; received: --out"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ExportKeras.run("--model", "m"));
    assertTrue(e.getMessage().contains("missing --output"), e.getMessage());
    e = importFailure("--rescale", "-1");
    assertTrue(e.getMessage().contains("--rescale"), e.getMessage());
    e = importFailure("--class-names", "a,b");
    assertTrue(e.getMessage().contains("2 names; expected: 3"), e.getMessage());
    assertEquals(List.of(), List.of(tmp.toFile().list()), "nothing written on failure");
  }

  /** import-keras of a good archive with one bad option. */
  private Exception importFailure(String option, String value) {
    return assertThrows(
        IllegalArgumentException.class,
        () ->
            ImportKeras.run(
                "--input",
                Fixtures.keras3("all-layers.keras").toString(),
                "--output",
                tmp.resolve("x").toString(),
                option,
                value));
  }
}
