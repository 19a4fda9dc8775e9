package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.tensor.Tensor;

/** Every bad input gives an error that names the culprit, what was received and expected. */
class BadInputTest {

  private static void assertMessage(Executable e, String... parts) {
    Exception ex = assertThrows(IllegalArgumentException.class, e);
    for (String p : parts) {
      assertTrue(ex.getMessage().contains(p), "message lacks \"" + p + "\": " + ex.getMessage());
    }
  }

  private static Sequential compiledSeed() {
    return SeedModels.fashionMnist(64)
        .compile("sparse_categorical_crossentropy", new Adam(), "accuracy");
  }

  @Test
  void wrongInputRankOrShape() {
    Sequential m = compiledSeed();
    Tensor flat = new Tensor(new float[2 * 784], 2, 784);
    assertMessage(
        () -> m.predict(flat, 2),
        "Sequential 'sequential'",
        "expected: shape (batch, 28, 28, 1)",
        "received: shape [2, 784]",
        "rank 2");
    Tensor wrongSize = new Tensor(new float[2 * 32 * 32], 2, 32, 32, 1);
    assertMessage(
        () -> m.fit(wrongSize, Tensor.labels(1, 2), new FitOptions()),
        "(batch, 28, 28, 1)",
        "[2, 32, 32, 1]");
  }

  @Test
  void layerThatCannotTakeItsInputNamesItself() {
    assertMessage(
        () -> new Sequential().add(new Flatten().inputShape(28, 28, 1)).add(new Conv2D(4, 3)),
        "Conv2D 'conv2d'",
        "rank 3",
        "received: input shape (784,)");
    assertMessage(
        () -> new Sequential().add(new Conv2D(4, 5).inputShape(4, 4, 1)),
        "Conv2D 'conv2d'",
        "received: input shape (4, 4, 1)",
        "height >= 5");
    assertMessage(
        () -> new Sequential().add(new Dense(3).inputShape(4)).add(new MaxPooling2D(2)),
        "MaxPooling2D 'max_pooling2d'",
        "(3,)");
    assertMessage(() -> new Sequential().add(new Dense(3)), "needs an input shape");
  }

  @Test
  void labelOutOfRange() {
    Sequential m = compiledSeed();
    Tensor x = new Tensor(new float[3 * 784], 3, 28, 28, 1);
    assertMessage(
        () -> m.fit(x, Tensor.labels(1, 12, 3), new FitOptions()),
        "example 1",
        "label out of range",
        "received: 12.0",
        "[0, 9]");
    assertMessage(() -> m.evaluate(x, Tensor.labels(1, 2, -1), 3), "example 2", "-1.0");
    assertMessage(
        () -> m.fit(x, Tensor.labels(1, 2), new FitOptions()),
        "expected: (3,) or (3, 1)",
        "received: shape [2]");
  }

  @Test
  void nanOrInfinityInInputs() {
    Sequential m = compiledSeed();
    float[] data = new float[3 * 784];
    data[2 * 784 + 17] = Float.NaN;
    Tensor x = new Tensor(data, 3, 28, 28, 1);
    assertMessage(
        () -> m.fit(x, Tensor.labels(1, 2, 3), new FitOptions()),
        "not finite at example 2, element 17",
        "received: NaN");
    data[2 * 784 + 17] = Float.POSITIVE_INFINITY;
    assertMessage(
        () ->
            m.computeGradient(
                m.parameters(),
                data,
                new float[] {1, 2, 3},
                3,
                StepContext.INFERENCE,
                new float[m.paramCount()]),
        "example 2",
        "Infinity");
  }

  @Test
  void badHyperParameters() {
    assertMessage(() -> new Conv2D(0, 3), "filters", "received: 0");
    assertMessage(() -> new Conv2D(4, 3).padding("full"), "\"full\"", "\"same\"");
    assertMessage(() -> new Dense(4, "gelu"), "\"gelu\"", "relu");
    assertMessage(() -> compiledSeed().compile("hinge", new Adam()), "\"hinge\"", "mse");
    assertMessage(() -> new FitOptions().batchSize(0), "batch_size", "received: 0");
  }
}
