package org.sparkcnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;

/** Small random image partitions of uneven sizes, and a small CNN (with dropout) for them. */
final class TestBlocks {
  static final int SIZE = 8;
  static final int CLASSES = 3;

  private TestBlocks() {}

  /** Partitions of the given sizes; row ids are global, in partition order. */
  static List<ImageBlock> blocks(long seed, int... sizes) {
    Random r = new Random(seed);
    List<ImageBlock> out = new ArrayList<>();
    long id = 0;
    for (int n : sizes) {
      byte[] pixels = new byte[n * SIZE * SIZE];
      r.nextBytes(pixels);
      int[] labels = new int[n];
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        labels[i] = r.nextInt(CLASSES);
        ids[i] = id++;
      }
      out.add(new ImageBlock(SIZE, SIZE, 1, pixels, labels, ids));
    }
    return out;
  }

  static Sequential model(long seed) {
    return new Sequential()
        .add(new Conv2D(4, 3).activation("relu").inputShape(SIZE, SIZE, 1))
        .add(new MaxPooling2D(2))
        .add(new Flatten())
        .add(new Dense(8, "relu"))
        .add(new Dropout(0.25))
        .add(new Dense(CLASSES, "softmax"))
        .seed(seed)
        .compile("sparse_categorical_crossentropy", new Adam(0.01), "accuracy");
  }
}
