package org.sparkcnn.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;

/**
 * Through the Hadoop API, the local file system reports a FIFO or a link to /dev/zero as an empty
 * file: reading it hung or never ended. The model store refuses both before opening them.
 */
class HadoopFilesTest {
  @TempDir java.nio.file.Path dir;

  private static final Configuration CONF = new Configuration();
  private static final Duration QUICK = Duration.ofSeconds(20);

  private java.nio.file.Path model() throws IOException {
    Sequential m =
        new Sequential().input(3, 3, 1).add(new Flatten()).add(new Dense(2, "softmax")).seed(3);
    m.compile("sparse_categorical_crossentropy", new Adam(0.01));
    java.nio.file.Path model = dir.resolve("model");
    ModelDirectory.save(m, ModelInfo.defaults(), model);
    return model;
  }

  @Test
  void weightsLinkedToDevZeroAreRefused() throws Exception {
    java.nio.file.Path model = model();
    java.nio.file.Path weights = model.resolve(ModelDirectory.WEIGHTS_FILE);
    Files.delete(weights);
    Files.createSymbolicLink(weights, java.nio.file.Path.of("/dev/zero"));
    for (String dirName : new String[] {model.toString(), "file:" + model}) {
      IOException e =
          assertTimeoutPreemptively(
              QUICK, () -> assertThrows(IOException.class, () -> ModelStore.load(dirName, CONF)));
      assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
      assertTrue(e.getMessage().contains(ModelDirectory.WEIGHTS_FILE), e.getMessage());
    }
  }

  @Test
  void aFifoIsRefusedWithoutHanging() throws Exception {
    java.nio.file.Path model = model();
    java.nio.file.Path spec = model.resolve(ModelDirectory.MODEL_FILE);
    Files.delete(spec);
    assertEquals(0, new ProcessBuilder("mkfifo", spec.toString()).start().waitFor());
    IOException e =
        assertTimeoutPreemptively(
            QUICK,
            () -> assertThrows(IOException.class, () -> ModelStore.load(model.toString(), CONF)));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    assertTimeoutPreemptively(
        QUICK,
        () -> {
          assertThrows(
              IOException.class, () -> HadoopFiles.read(new Path(spec.toString()), CONF, 9));
        });
  }

  @Test
  void readsExactlyTheDeclaredLength() throws Exception {
    java.nio.file.Path f = Files.write(dir.resolve("f"), new byte[] {4, 5, 6, 7});
    assertArrayEquals(new byte[] {4, 5, 6, 7}, HadoopFiles.read(new Path("file:" + f), CONF, 4));
    IOException e =
        assertThrows(IOException.class, () -> HadoopFiles.read(new Path(f.toString()), CONF, 3));
    assertTrue(e.getMessage().contains("file too large"), e.getMessage());
  }
}
