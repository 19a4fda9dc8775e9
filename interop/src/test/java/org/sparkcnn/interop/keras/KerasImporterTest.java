package org.sparkcnn.interop.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.interop.Fixtures.keras3;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.InvalidModelFileException;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Tensor;
import org.sparkcnn.interop.Fixtures;
import org.sparkcnn.interop.ImportKeras;

/**
 * Keras 3.15 files of one model that uses every supported layer (see make_fixtures.py): each way in
 * gives the same weights and Keras' recorded predictions.
 */
class KerasImporterTest {
  @TempDir Path tmp;

  /** Keras and we sum in different orders: float32 rounding, far below any layer's effect. */
  private static final double TOLERANCE = 1e-5;

  private static Sequential assertPredictsLikeKeras(Sequential model, String what)
      throws IOException {
    Tensor[] xy = Fixtures.expected();
    float[] ours = model.predict(xy[0], 4).data();
    double diff = Fixtures.maxAbsDiff(ours, xy[1].data());
    System.out.printf("%s: max |ours - keras| = %.3g%n", what, diff);
    assertTrue(diff <= TOLERANCE, what + ": max difference " + diff);
    return model;
  }

  @Test
  void everyKerasFormatGivesTheSameModelAndKerasPredictions() throws IOException {
    Sequential archive =
        assertPredictsLikeKeras(
            KerasImporter.read(keras3("all-layers.keras"), null).model(), ".keras");
    List<Sequential> others =
        List.of(
            KerasImporter.read(keras3("all-layers.h5"), null).model(),
            KerasImporter.read(keras3("all-layers.tfkeras2.h5"), null).model(),
            KerasImporter.read(keras3("all-layers.keras3.json"), keras3("all-layers.weights.h5"))
                .model(),
            KerasImporter.read(keras3("all-layers.keras3.json"), keras3("all-layers.safetensors"))
                .model(),
            KerasImporter.read(keras3("all-layers.keras3.json"), keras3("all-layers.h5")).model());
    for (Sequential m : others) {
      assertEquals(archive.summary(), m.summary());
      assertArrayEquals(archive.parameters(), m.parameters());
    }
    assertEquals(
        List.of(
            "conv",
            "max_pooling2d",
            "conv2d",
            "activation",
            "average_pooling2d",
            "flatten",
            "dropout",
            "dense",
            "dense_1",
            "activation_1"),
        archive.layers().stream().map(Layer::name).toList());
  }

  @Test
  void importedDirectoryKeepsTheLossAndOptimizerKerasCompiledWith() throws IOException {
    KerasImporter.Imported imported = KerasImporter.read(keras3("all-layers.keras"), null);
    assertEquals("keras archive", imported.facts().get("format"));
    assertEquals("3.15.1", imported.facts().get("keras_version"));
    Path dir = tmp.resolve("model");
    String line =
        ImportKeras.run(
            "--input", keras3("all-layers.keras").toString(),
            "--output", dir.toString(),
            "--class-names", "a, b,c");
    assertTrue(line.contains("Sequential 'net', 379 parameters"), line);
    assertTrue(line.contains("compiled with sparse_categorical_crossentropy, adam"), line);
    ModelDirectory.Loaded loaded = ModelDirectory.load(dir);
    assertPredictsLikeKeras(loaded.model(), "model directory");
    assertEquals("sparse_categorical_crossentropy", loaded.model().loss().kerasName());
    assertEquals("adam", loaded.model().optimizer().kerasName());
    assertEquals(
        0.0010000000474974513,
        ((Number) loaded.model().optimizer().config().get("learning_rate")).doubleValue(),
        1e-12);
    assertEquals(List.of("a", "b", "c"), loaded.info().classNames());
    assertEquals("all-layers.keras", loaded.info().training().get("imported_from"));
    // The legacy .h5 file carries the same settings as its training_config attribute.
    Sequential h5 = KerasImporter.read(keras3("all-layers.h5"), null).model();
    assertEquals("sparse_categorical_crossentropy", h5.loss().kerasName());
    assertEquals("adam", h5.optimizer().kerasName());
  }

  @Test
  void aFileWithoutCompileSettingsImportsUncompiled() throws IOException {
    KerasImporter.Imported imported =
        KerasImporter.read(keras3("all-layers.keras3.json"), keras3("all-layers.safetensors"));
    assertNull(imported.model().loss());
    assertNull(imported.facts().get("compiled_with"));
    Path dir = tmp.resolve("json-model");
    ModelDirectory.save(imported.model(), new ModelInfo(null, 1.0, imported.facts()), dir);
    String settings = Files.readString(dir.resolve(ModelDirectory.SETTINGS_FILE));
    assertTrue(settings.contains("\"optimizer\": null"), settings);
  }

  private void assertRefused(Path input, Path weights, String... parts) {
    Exception e = assertThrows(IOException.class, () -> KerasImporter.read(input, weights));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "message lacks \"" + p + "\": " + e.getMessage());
    }
  }

  @Test
  void refusesOtherFormatsNamingWhatIsSupported() throws IOException {
    Path png = Files.write(tmp.resolve("model.keras"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    assertRefused(png, null, "not a Keras model file", "89 50 4e 47", ".keras archive", ".h5");
    Path savedModel = Files.createDirectories(tmp.resolve("saved_model"));
    assertRefused(savedModel, null, "a directory", "SavedModel", "model.keras");
    assertRefused(keras3("all-layers.weights.h5"), null, "without a model config", "--weights");
    assertRefused(keras3("all-layers.keras3.json"), null, "no weights", "--weights");
    assertRefused(keras3("all-layers.keras"), keras3("all-layers.h5"), "holds its own weights");
    assertRefused(
        keras3("all-layers.keras3.json"), png, "not a weights file", "safetensors", ".weights.h5");
  }

  @Test
  void refusesUnsupportedLayersInAnArchiveListingTheSupportedOnes() throws IOException {
    Path archive = tmp.resolve("bn.keras");
    try (ZipFile in = new ZipFile(keras3("all-layers.keras").toFile());
        OutputStream file = Files.newOutputStream(archive);
        ZipOutputStream out = new ZipOutputStream(file)) {
      for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        byte[] data = in.getInputStream(entry).readAllBytes();
        if (entry.getName().equals("config.json")) {
          data =
              new String(data, StandardCharsets.UTF_8)
                  .replace("\"Dropout\"", "\"BatchNormalization\"")
                  .getBytes(StandardCharsets.UTF_8);
        }
        out.putNextEntry(new ZipEntry(entry.getName()));
        out.write(data);
        out.closeEntry();
      }
    }
    Exception e =
        assertThrows(IllegalArgumentException.class, () -> KerasImporter.read(archive, null));
    for (String p :
        List.of(
            "bn.keras!config.json",
            "'dropout' (BatchNormalization)",
            "unsupported layer type",
            "AveragePooling2D",
            "Conv2D",
            "Dense")) {
      assertTrue(e.getMessage().contains(p), "message lacks \"" + p + "\": " + e.getMessage());
    }
  }

  @Test
  void refusesWeightsOfAnotherModel() throws IOException {
    Path spec = tmp.resolve("wider.json");
    Files.writeString(
        spec,
        Files.readString(keras3("all-layers.keras3.json")).replace("\"units\": 6", "\"units\": 7"));
    Exception e =
        assertThrows(
            InvalidModelFileException.class,
            () -> KerasImporter.read(spec, keras3("all-layers.weights.h5")));
    assertTrue(
        e.getMessage().contains("dense/kernel") && e.getMessage().contains("[20, 6]"),
        e.getMessage());
  }
}
