package org.sparkcnn.datasets;

import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST: 28 x 28 grayscale images of clothing in 10 classes, 60,000 for training and 10,000
 * for testing, 6,000 / 1,000 per class. Loaded as {@code (N, 28, 28, 1)}.
 *
 * <p>{@code scripts/fetch-fashion-mnist} puts the files in {@code data/fashion-mnist}; Debian's
 * {@code dataset-fashion-mnist} package installs them in {@link #DEBIAN_DIR}.
 */
public final class FashionMnist {
  static final String NAME = "Fashion-MNIST";

  /** Where Debian's {@code dataset-fashion-mnist} package installs the four .gz files. */
  public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** The class names in label order, as published with the data set. */
  public static final List<String> CLASS_NAMES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  private FashionMnist() {}

  /**
   * Loads one split from a directory holding the standard file names ({@code
   * train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
   * {@code t10k-labels-idx1-ubyte}), each raw or with ".gz".
   */
  public static ImageDataset load(Path dir, Split split) {
    return StandardIdxFiles.load(NAME, dir, split, CLASS_NAMES);
  }
}
