package org.sparkcnn.datasets;

import java.nio.file.Path;
import java.util.List;

/**
 * MNIST: 28 x 28 grayscale handwritten digits, 60,000 for training and 10,000 for testing, with the
 * class names "0".."9". Loaded as {@code (N, 28, 28, 1)}.
 */
public final class Mnist {
  static final String NAME = "MNIST";

  /** "0", "1", ..., "9": label k is the digit k. */
  public static final List<String> CLASS_NAMES =
      List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  private Mnist() {}

  /**
   * Loads one split from a directory holding the standard file names ({@code
   * train-images-idx3-ubyte}, ..., {@code t10k-labels-idx1-ubyte}), each raw or with ".gz".
   */
  public static ImageDataset load(Path dir, Split split) {
    return StandardIdxFiles.load(NAME, dir, split, CLASS_NAMES);
  }
}
