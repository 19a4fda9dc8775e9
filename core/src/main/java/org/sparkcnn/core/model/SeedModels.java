package org.sparkcnn.core.model;

import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;

/**
 * The primers' Fashion-MNIST CNN, the project's reference model: Conv2D(32, 3, relu) - MaxPool(2) -
 * Conv2D(64, 3, relu) - MaxPool(2) - Flatten - Dense(units, relu) - Dense(10, softmax) on 28x28x1
 * input. Returned neither seeded nor compiled, so that each caller (tests, benchmarks, the ONNX
 * export check) chooses its own seed, loss and optimizer.
 */
public final class SeedModels {
  private SeedModels() {}

  /** The seed CNN as the primers build it: 64 hidden units, 121,930 weights. */
  public static Sequential fashionMnist() {
    return fashionMnist(64);
  }

  /** The seed CNN with {@code denseUnits} units in its hidden dense layer. */
  public static Sequential fashionMnist(int denseUnits) {
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
