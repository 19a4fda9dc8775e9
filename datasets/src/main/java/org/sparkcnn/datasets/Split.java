package org.sparkcnn.datasets;

/** The two halves of MNIST-style data sets, with the prefix of their standard file names. */
public enum Split {
  /** 60,000 images in MNIST and Fashion-MNIST: {@code train-images-idx3-ubyte} etc. */
  TRAIN("train"),
  /** 10,000 images in MNIST and Fashion-MNIST: {@code t10k-images-idx3-ubyte} etc. */
  TEST("t10k");

  private final String filePrefix;

  Split(String filePrefix) {
    this.filePrefix = filePrefix;
  }

  /** "train" or "t10k". */
  public String filePrefix() {
    return filePrefix;
  }

  /** The standard images file name without ".gz", e.g. {@code train-images-idx3-ubyte}. */
  public String imagesFileName() {
    return filePrefix + "-images-idx3-ubyte";
  }

  /** The standard labels file name without ".gz", e.g. {@code t10k-labels-idx1-ubyte}. */
  public String labelsFileName() {
    return filePrefix + "-labels-idx1-ubyte";
  }
}
