package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.core.optim.Sgd;

/**
 * A checkpoint restores weights and optimizer state exactly: after it, the restored model and the
 * original take the same next steps, bit for bit. Damage is found before anything changes.
 */
class CheckpointFilesTest {

  private static Sequential model(long seed, Optimizer opt) {
    return new Sequential()
        .add(new Conv2D(2, 3).activation("relu").inputShape(5, 5, 1))
        .add(new Flatten())
        .add(new Dense(3, "softmax"))
        .seed(seed)
        .compile("sparse_categorical_crossentropy", opt, "accuracy");
  }

  private static float[] gradient(int n, long seed) {
    Random r = new Random(seed);
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) r.nextGaussian();
    }
    return g;
  }

  private static Map<String, byte[]> withManifest(Map<String, byte[]> data) {
    Map<String, byte[]> files = new LinkedHashMap<>(data);
    files.put(CheckpointFiles.MANIFEST_FILE, CheckpointFiles.manifest(data, Map.of()));
    return files;
  }

  /** Three steps, checkpoint, then the same two steps on the original and on a restored copy. */
  private static void continuesExactly(Optimizer a, Optimizer b) throws Exception {
    Sequential original = model(1, a);
    int n = original.paramCount();
    for (int t = 0; t < 3; t++) {
      original.optimizer().apply(original.parameters(), gradient(n, t));
    }
    Map<String, byte[]> files = withManifest(CheckpointFiles.encode(original, Map.of("epoch", 7L)));
    Sequential restored = model(2, b);
    Map<String, Object> progress = CheckpointFiles.restore(files, restored, "ckpt");
    assertEquals(7L, progress.get("epoch"));
    assertEquals(3, restored.optimizer().iterations());
    assertArrayEquals(original.parameters(), restored.parameters());
    for (int t = 3; t < 5; t++) {
      original.optimizer().apply(original.parameters(), gradient(n, t));
      restored.optimizer().apply(restored.parameters(), gradient(n, t));
    }
    assertArrayEquals(original.parameters(), restored.parameters(), "the next steps agree");
  }

  @Test
  void adamMomentsAndStepCountContinueExactly() throws Exception {
    continuesExactly(new Adam(0.01), new Adam(0.01));
  }

  @Test
  void sgdMomentumContinuesExactly() throws Exception {
    continuesExactly(new Sgd(0.1, 0.9, true), new Sgd(0.1, 0.9, true));
  }

  @Test
  void optimizerTensorsHaveClearNamesAndWeightShapes() throws Exception {
    Sequential m = model(1, new Adam(0.01));
    m.optimizer().apply(m.parameters(), gradient(m.paramCount(), 0));
    byte[] bytes = CheckpointFiles.encode(m, Map.of()).get(CheckpointFiles.OPTIMIZER_FILE);
    Safetensors.File f =
        Safetensors.read(new ByteArrayInputStream(bytes), bytes.length, "optimizer");
    assertEquals(
        List.of(
            "momentum/conv2d/kernel",
            "momentum/conv2d/bias",
            "momentum/dense/kernel",
            "momentum/dense/bias",
            "velocity/conv2d/kernel",
            "velocity/conv2d/bias",
            "velocity/dense/kernel",
            "velocity/dense/bias"),
        List.copyOf(f.tensors().keySet()));
    assertArrayEquals(new int[] {3, 3, 1, 2}, f.tensors().get("velocity/conv2d/kernel").shape());
    assertEquals("1", f.metadata().get("iterations"));
  }

  @Test
  void damageOrAnotherOptimizerIsRefusedAndLeavesTheModelAsItWas() throws Exception {
    Sequential original = model(1, new Adam(0.01));
    original.optimizer().apply(original.parameters(), gradient(original.paramCount(), 0));
    Map<String, byte[]> files = withManifest(CheckpointFiles.encode(original, Map.of()));

    Sequential target = model(2, new Adam(0.01));
    float[] before = target.parameters().clone();
    Map<String, byte[]> damaged = new LinkedHashMap<>(files);
    byte[] state = damaged.get(CheckpointFiles.STATE_FILE).clone();
    state[state.length - 2] ^= 1;
    damaged.put(CheckpointFiles.STATE_FILE, state);
    String m =
        assertThrows(
                InvalidModelFileException.class,
                () -> CheckpointFiles.restore(damaged, target, "ckpt-7"))
            .getMessage();
    assertTrue(m.contains("ckpt-7/state.json") && m.contains("checksum"), m);
    assertArrayEquals(before, target.parameters());

    Map<String, byte[]> incomplete = new LinkedHashMap<>(files);
    incomplete.remove(CheckpointFiles.MANIFEST_FILE);
    assertTrue(
        assertThrows(
                InvalidModelFileException.class,
                () -> CheckpointFiles.restore(incomplete, target, "ckpt-8"))
            .getMessage()
            .contains("not a complete checkpoint"));

    Sequential otherLr = model(2, new Adam(0.02));
    String lr =
        assertThrows(
                InvalidModelFileException.class,
                () -> CheckpointFiles.restore(files, otherLr, "ckpt-9"))
            .getMessage();
    assertTrue(lr.contains("optimizer differs") && lr.contains("0.02"), lr);
    assertEquals(0, otherLr.optimizer().iterations());

    Map<String, byte[]> manifestText = new LinkedHashMap<>(files);
    manifestText.put(
        CheckpointFiles.MANIFEST_FILE, "{\"format\": \"x\"}".getBytes(StandardCharsets.UTF_8));
    assertThrows(
        InvalidModelFileException.class,
        () -> CheckpointFiles.restore(manifestText, target, "ckpt-10"));
  }

  @Test
  void divergedWeightsAreNeverCheckpointed() {
    Sequential m = model(1, new Adam(0.01));
    m.parameters()[4] = Float.NaN;
    String e =
        assertThrows(IllegalStateException.class, () -> CheckpointFiles.encode(m, Map.of()))
            .getMessage();
    assertTrue(e.contains("not finite") && e.contains("index 4"), e);
  }
}
