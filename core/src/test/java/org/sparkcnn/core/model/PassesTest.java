package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;

/** The fused steps planned once per model, for each kind of pass. */
class PassesTest {
  /** "KIND@node" of each step, joined by spaces. */
  private static String describe(Passes.Step[] steps) {
    return Arrays.stream(steps)
        .map(s -> s.kind() + "@" + s.node())
        .collect(Collectors.joining(" "));
  }

  @Test
  void seedModelFusesActivationsForwardAndPoolThroughReluBackward() {
    // Plan: 0 conv, 1 relu, 2 pool, 3 conv, 4 relu, 5 pool, 6 flatten, 7 dense, 8 relu,
    // 9 dense, 10 softmax.
    Sequential model = SeedModels.fashionMnist(16);
    Passes passes = model.passes();
    assertEquals(11, model.planSize());
    assertEquals(
        "LAYER_ACTIVATED@0 LAYER@2 LAYER_ACTIVATED@3 LAYER@5 IDENTITY@6 LAYER_ACTIVATED@7"
            + " LAYER_ACTIVATED@9",
        describe(passes.forward(11, 11, false)));
    // Without the final softmax (the loss takes the logits), the last dense runs unfused.
    assertEquals(
        "LAYER_ACTIVATED@0 LAYER@2 LAYER_ACTIVATED@3 LAYER@5 IDENTITY@6 LAYER_ACTIVATED@7"
            + " LAYER@9",
        describe(passes.forward(10, 11, true)));
    assertEquals(
        "LAYER@9 ACTIVATION@8 LAYER@7 IDENTITY@6 POOL_THROUGH_RELU@5 LAYER@3"
            + " POOL_THROUGH_RELU@2 LAYER@0",
        describe(passes.backward(10, 11, true)));
  }

  @Test
  void dropoutIsIdentityOnlyInInference() {
    Sequential model =
        new Sequential()
            .input(4, 4, 1)
            .add(new Dropout(0.5))
            .add(new Flatten())
            .add(new Dense(2, "linear"));
    Passes passes = model.passes();
    assertEquals("IDENTITY@0 IDENTITY@1 LAYER@2", describe(passes.forward(3, 3, false)));
    assertEquals("LAYER@0 IDENTITY@1 LAYER@2", describe(passes.forward(3, 3, true)));
    assertEquals("LAYER@2 IDENTITY@1 LAYER@0", describe(passes.backward(3, 3, true)));
  }

  @Test
  void aPassEndsAtTheLastNodeOrTheOneBefore() {
    Passes passes = SeedModels.fashionMnist(16).passes();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> passes.forward(5, 11, true));
    assertEquals(
        "a pass ends at the plan's last node or the one before; received: end 5; expected: 11 or 10",
        e.getMessage());
  }
}
