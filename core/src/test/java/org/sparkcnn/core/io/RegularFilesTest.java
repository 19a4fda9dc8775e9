package org.sparkcnn.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;

/**
 * Loaders refuse what is not a regular file before opening it (a link to /dev/zero would never end,
 * a FIFO would block), and a read that stalls times out instead of hanging.
 */
class RegularFilesTest {
  @TempDir Path dir;

  private static final Duration QUICK = Duration.ofSeconds(20);

  static void mkfifo(Path p) throws Exception {
    assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).start().waitFor(), "mkfifo " + p);
  }

  private Path modelDirectory() throws IOException {
    Sequential m =
        new Sequential().input(4, 4, 1).add(new Flatten()).add(new Dense(3, "softmax")).seed(1);
    m.compile("sparse_categorical_crossentropy", new Adam(0.01));
    Path model = dir.resolve("model");
    ModelDirectory.save(m, ModelInfo.defaults(), model);
    return model;
  }

  @Test
  void weightsLinkedToDevZeroAreRefusedBeforeReading() throws Exception {
    Path model = modelDirectory();
    Path weights = model.resolve(ModelDirectory.WEIGHTS_FILE);
    Files.delete(weights);
    Files.createSymbolicLink(weights, Path.of("/dev/zero"));
    IOException e =
        assertTimeoutPreemptively(
            QUICK, () -> assertThrows(IOException.class, () -> ModelDirectory.load(model)));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    assertTrue(e.getMessage().contains("received: a device, FIFO or socket"), e.getMessage());
    assertTrue(e.getMessage().startsWith(weights.toString()), e.getMessage());
    e = assertThrows(IOException.class, () -> Safetensors.read(weights));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }

  @Test
  void fifosAreRefusedWithoutHanging() throws Exception {
    Path model = modelDirectory();
    Path spec = model.resolve(ModelDirectory.MODEL_FILE);
    Files.delete(spec);
    mkfifo(spec);
    IOException e =
        assertTimeoutPreemptively(
            QUICK, () -> assertThrows(IOException.class, () -> ModelDirectory.load(model)));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    assertTimeoutPreemptively(
        QUICK,
        () -> {
          assertThrows(IOException.class, () -> Json.parse(spec));
          assertThrows(IOException.class, () -> RegularFiles.read(spec, 100));
        });
  }

  @Test
  void aReadThatStallsTimesOut() throws Exception {
    // Opening a FIFO blocks until a writer comes; none will.
    Path fifo = dir.resolve("stalled");
    mkfifo(fifo);
    long started = System.nanoTime();
    IOException e =
        assertTimeoutPreemptively(
            QUICK,
            () ->
                assertThrows(
                    IOException.class,
                    () -> RegularFiles.within(fifo.toString(), 1, () -> Files.readAllBytes(fifo))));
    double seconds = (System.nanoTime() - started) / 1e9;
    assertTrue(e.getMessage().contains("read timed out"), e.getMessage());
    assertTrue(e.getMessage().contains("no end after 1 s"), e.getMessage());
    assertTrue(seconds >= 1 && seconds < 15, "timed out after " + seconds + " s");
  }

  @Test
  void readsExactlyTheDeclaredBytesAndRefusesLargerFiles() throws Exception {
    Path f = Files.write(dir.resolve("f"), new byte[] {1, 2, 3});
    assertEquals(3, RegularFiles.read(f, 3).length);
    IOException e = assertThrows(IOException.class, () -> RegularFiles.read(f, 2));
    assertTrue(e.getMessage().contains("file too large; received: 3 bytes"), e.getMessage());
  }
}
