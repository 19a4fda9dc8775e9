package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.optim.Adam;

/** The seed architecture, scaled to 12x12 images, learns a synthetic task, reproducibly. */
class EndToEndTest {
  private static final SyntheticImages TRAIN = new SyntheticImages(1200, 1);
  private static final SyntheticImages TEST = new SyntheticImages(400, 2);

  private static Sequential seedLikeModel(long seed) {
    return new Sequential()
        .add(new Conv2D(8, 3).activation("relu").inputShape(12, 12, 1))
        .add(new MaxPooling2D(2))
        .add(new Conv2D(16, 3).activation("relu"))
        .add(new MaxPooling2D(2))
        .add(new Flatten())
        .add(new Dense(32, "relu"))
        .add(new Dropout(0.1))
        .add(new Dense(SyntheticImages.CLASSES, "softmax"))
        .seed(seed)
        .compile("sparse_categorical_crossentropy", new Adam(0.005), "accuracy");
  }

  private static History train(Sequential m) {
    return m.fit(
        TRAIN.x,
        TRAIN.y,
        new FitOptions().batchSize(32).epochs(4).seed(3).threads(2).validationData(TEST.x, TEST.y));
  }

  @Test
  void learnsWellAboveChanceAndTheSameSeedGivesTheSameWeights() {
    Sequential first = seedLikeModel(11);
    History h = train(first);
    Evaluation test = first.evaluate(TEST.x, TEST.y, 64);
    assertTrue(
        test.accuracy() > 0.9,
        "test accuracy " + test.accuracy() + ", chance is 0.25; " + "history " + h.epochs());
    assertEquals(test.accuracy(), h.last().valAccuracy(), 1e-12);
    assertTrue(h.get("loss")[3] < h.get("loss")[0], "loss should fall: " + h.epochs());

    Sequential second = seedLikeModel(11);
    train(second);
    assertArrayEquals(first.parameters(), second.parameters(), "same seed, same weights");

    Sequential other = seedLikeModel(12);
    assertFalse(Arrays.equals(seedLikeModel(11).parameters(), other.parameters()));
  }

  @Test
  void predictAgreesWithEvaluateAndIsIndependentOfBatchSize() {
    Sequential m = seedLikeModel(5);
    float[] a = m.predict(TEST.x, 7).data();
    float[] b = m.predict(TEST.x, 400).data();
    assertArrayEquals(a, b, 1e-6f);
    for (int i = 0; i < 10; i++) {
      double sum = 0;
      for (int k = 0; k < 4; k++) {
        sum += a[i * 4 + k];
      }
      assertEquals(1.0, sum, 1e-5, "softmax rows sum to 1");
    }
  }
}
