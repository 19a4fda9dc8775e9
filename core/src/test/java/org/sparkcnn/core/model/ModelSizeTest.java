package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;

/**
 * Parameter counts and sizes are computed without overflow, and a model too large names its layer.
 */
class ModelSizeTest {
  @Test
  void twoBillionUnitsFailNamingTheLayerWithTheTrueCount() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Sequential()
                    .input(8, 8, 1)
                    .add(new Flatten())
                    .add(new Dense(16, "relu"))
                    .add(new Dense(2_000_000_000, "softmax")));
    String m = e.getMessage();
    assertTrue(m.startsWith("Dense 'dense_1': too many parameters"), m);
    assertTrue(m.contains("kernel[16, 2000000000] + bias[2000000000] = 34,000,000,000"), m);
    assertTrue(m.contains("after 1,040 in the layers before"), m);
    assertTrue(m.contains("expected: at most 2,147,483,639 parameters"), m);
    assertTrue(!m.matches(".*-[0-9].*"), "no wrapped negative count: " + m);
  }

  @Test
  void theSameFromAKerasSpec() {
    String spec =
        ModelSpec.toJson(
                new Sequential().input(8, 8, 1).add(new Flatten()).add(new Dense(7, "softmax")))
            .replace("\"units\": 7", "\"units\": 2000000000")
            .replace("\"units\":7", "\"units\":2000000000");
    assertTrue(spec.contains("2000000000"), spec);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromJson(spec, "spec.json"));
    assertTrue(e.getMessage().contains("Dense 'dense': too many parameters"), e.getMessage());
  }

  @Test
  void aTotalPastTheLimitNamesTheLayerThatCrossesIt() {
    // Each layer fits; together they do not.
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Sequential()
                    .input(1, 1, 40_000)
                    .add(new Flatten())
                    .add(new Dense(40_000))
                    .add(new Dense(40_000)));
    assertTrue(e.getMessage().startsWith("Dense 'dense_1': too many parameters"), e.getMessage());
  }

  @Test
  void anOutputTooLargeForOneArrayNamesTheLayer() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Sequential().input(4096, 4096, 1).add(new Conv2D(256, 1)));
    assertTrue(e.getMessage().startsWith("Conv2D 'conv2d'"), e.getMessage());
  }
}
