package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.layers.ActivationLayer;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;

/**
 * predictBatch with logits: the outputs are predictBatch's, and the logits are the outputs of a
 * twin model whose last layer has no activation (same weights): an independent forward pass.
 */
class PredictLogitsTest {
  private static Sequential net(String last, boolean activationLayer) {
    Sequential m =
        new Sequential()
            .add(new Conv2D(3, 3).activation("relu").inputShape(7, 7, 2))
            .add(new MaxPooling2D(2))
            .add(new Flatten());
    if (activationLayer) {
      m.add(new Dense(5)).add(new ActivationLayer(last));
    } else {
      m.add(new Dense(5, last));
    }
    return m.seed(4).compile("binary_crossentropy", null);
  }

  @Test
  void logitsAreTheLastLayersValuesBeforeItsActivation() {
    int n = 9;
    float[] x = new float[n * 7 * 7 * 2];
    Random r = new Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    for (boolean layer : new boolean[] {false, true}) {
      for (String last : new String[] {"softmax", "sigmoid", "linear"}) {
        Sequential m = net(last, layer);
        float[] logits = new float[n * 5];
        float[] out = new float[n * 5];
        m.predictBatch(m.parameters(), x, n, logits, out);
        float[] plain = new float[n * 5];
        m.predictBatch(m.parameters(), x, n, plain, 0);
        assertArrayEquals(plain, out, last + ": the outputs of predictBatch");
        Sequential twin = net("linear", false);
        twin.setParameters(m.parameters());
        float[] z = new float[n * 5];
        twin.predictBatch(twin.parameters(), x, n, z, 0);
        for (int i = 0; i < z.length; i++) {
          assertEquals(z[i], logits[i], 1e-6, last + " " + i);
        }
        assertEquals(Activation.fromKeras(last), m.outputActivation());
      }
    }
    Sequential m = net("softmax", false);
    assertThrows(
        IllegalArgumentException.class,
        () -> m.predictBatch(m.parameters(), x, n, new float[n * 5 - 1], new float[n * 5]));
  }
}
