package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.tensor.Tensor;

/** Model directories: round trips, and every way a stored model can be wrong. */
class ModelDirectoryTest {
  @TempDir Path tmp;

  private static Sequential model(int units, long seed) {
    return new Sequential()
        .add(new Conv2D(4, 3).activation("relu").inputShape(8, 8, 1))
        .add(new MaxPooling2D(2))
        .add(new Flatten())
        .add(new Dense(units, "softmax"))
        .seed(seed)
        .compile("sparse_categorical_crossentropy", new Adam(0.002), "accuracy");
  }

  private static Tensor images() {
    float[] x = new float[5 * 64];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i * 37 % 101) / 101f;
    }
    return new Tensor(x, 5, 8, 8, 1);
  }

  @Test
  void roundTripGivesIdenticalWeightsPredictionsAndSettings() throws IOException {
    Sequential m = model(3, 1);
    ModelInfo info =
        new ModelInfo(List.of("a", "b", "c"), ModelInfo.UNIT_RANGE, Map.of("epochs", 5L));
    Path dir = tmp.resolve("model");
    ModelDirectory.save(m, info, dir);
    ModelDirectory.Loaded loaded = ModelDirectory.load(dir);
    assertArrayEquals(m.parameters(), loaded.model().parameters());
    assertArrayEquals(m.predict(images(), 5).data(), loaded.model().predict(images(), 5).data());
    assertEquals(List.of("a", "b", "c"), loaded.info().classNames());
    assertEquals(5L, loaded.info().training().get("epochs"));
    assertEquals("sparse_categorical_crossentropy", loaded.model().loss().kerasName());
    assertEquals(m.optimizer().config(), loaded.model().optimizer().config());
    assertTrue(Files.isRegularFile(dir.resolve("weights.safetensors")));

    // Saving over an existing directory replaces it whole, leaving no temporary files.
    Sequential other = model(3, 2);
    ModelDirectory.save(other, info, dir);
    assertArrayEquals(other.parameters(), ModelDirectory.load(dir).model().parameters());
    try (var files = Files.list(tmp)) {
      assertEquals(List.of("model"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  private static void assertInvalid(Map<String, byte[]> files, String... parts) {
    Exception e =
        assertThrows(InvalidModelFileException.class, () -> ModelDirectory.decode(files, "runs/m"));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "message lacks \"" + p + "\": " + e.getMessage());
    }
  }

  @Test
  void tamperedTruncatedOrMissingFilesAreRejected() {
    Map<String, byte[]> good = ModelDirectory.encode(model(3, 1), ModelInfo.defaults());

    Map<String, byte[]> truncated = new LinkedHashMap<>(good);
    byte[] w = good.get("weights.safetensors");
    truncated.put("weights.safetensors", Arrays.copyOf(w, w.length - 10));
    assertInvalid(
        truncated,
        "runs/m/weights.safetensors",
        "checksum",
        (w.length - 10) + " bytes",
        w.length + " bytes");

    Map<String, byte[]> flipped = new LinkedHashMap<>(good);
    byte[] f = w.clone();
    f[f.length - 1] ^= 1;
    flipped.put("weights.safetensors", f);
    assertInvalid(flipped, "SHA-256");

    Map<String, byte[]> missing = new LinkedHashMap<>(good);
    missing.remove("model.json");
    assertInvalid(missing, "not a spark-cnn model directory", "model.json");

    Map<String, byte[]> badSettings = new LinkedHashMap<>(good);
    badSettings.put("training.json", "{\"format\": 1".getBytes());
    assertInvalid(badSettings, "runs/m/training.json:1:");
  }

  @Test
  void weightsOfAnotherModelNameTheTensorAndBothShapes() throws IOException {
    Sequential small = model(3, 1);
    Sequential big = model(5, 1);
    byte[] bytes = WeightsFile.encode(small, small.parameters());
    float[] before = big.parameters().clone();
    Exception e =
        assertThrows(
            InvalidModelFileException.class,
            () -> WeightsFile.decodeInto(big, bytes, "w.safetensors"));
    assertTrue(
        e.getMessage().contains("'dense/kernel'")
            && e.getMessage().contains("[36, 3]")
            && e.getMessage().contains("[36, 5]"),
        e.getMessage());
    assertArrayEquals(before, big.parameters(), "nothing loaded from a rejected file");

    Sequential renamed =
        new Sequential()
            .add(new Conv2D(4, 3).activation("relu").inputShape(8, 8, 1))
            .add(new MaxPooling2D(2))
            .add(new Flatten())
            .add(new Dense(3, "softmax").name("head"));
    e =
        assertThrows(
            InvalidModelFileException.class,
            () -> WeightsFile.decodeInto(renamed, bytes, "w.safetensors"));
    assertTrue(
        e.getMessage().contains("missing [head/kernel[36, 3], head/bias[3]]")
            && e.getMessage().contains("unexpected [dense/kernel, dense/bias]"),
        e.getMessage());

    e =
        assertThrows(
            InvalidModelFileException.class,
            () -> WeightsFile.decodeInto(small, Arrays.copyOf(bytes, 20), "w.safetensors"));
    assertTrue(e.getMessage().startsWith("w.safetensors"), e.getMessage());
  }

  @Test
  void loadingAMissingPathSaysWhatWasExpected() {
    Exception e = assertThrows(IOException.class, () -> ModelDirectory.load(tmp.resolve("nope")));
    assertTrue(
        e.getMessage().contains("nope") && e.getMessage().contains("model.json"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("nope")));
  }
}
