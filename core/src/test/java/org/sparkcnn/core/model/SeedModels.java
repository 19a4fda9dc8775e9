package org.sparkcnn.core.model;

import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;

/** The primers' Fashion-MNIST model, as the tests build it. */
final class SeedModels {
  private SeedModels() {}

  static Sequential fashionMnist(int denseUnits) {
    return new Sequential()
        .add(new Conv2D(32, 3).activation("relu").inputShape(28, 28, 1))
        .add(new MaxPooling2D(2))
        .add(new Conv2D(64, 3).activation("relu"))
        .add(new MaxPooling2D(2))
        .add(new Flatten())
        .add(new Dense(denseUnits, "relu"))
        .add(new Dense(10, "softmax"));
  }
}
