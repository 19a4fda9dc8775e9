package org.sparkcnn.core.model;

import java.util.function.Consumer;
import org.sparkcnn.core.tensor.Tensor;

/**
 * Keras' fit arguments. Defaults: batch_size 32, epochs 1, shuffle true, seed 0, no validation,
 * threads = available processors, verbose 1 (Keras' "auto": a progress bar on a terminal, plain
 * lines every few seconds otherwise; see {@link ProgressBar}).
 */
public final class FitOptions {
  int batchSize = 32;
  int epochs = 1;
  boolean shuffle = true;
  long seed;
  double validationSplit;
  Tensor validationX;
  Tensor validationY;
  int threads = ParallelBatches.defaultThreads();
  Consumer<History.Epoch> onEpochEnd;
  ProgressBar progress = null;
  int verbose = 1;

  public FitOptions batchSize(int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch_size must be positive; received " + batchSize);
    }
    this.batchSize = batchSize;
    return this;
  }

  public FitOptions epochs(int epochs) {
    if (epochs <= 0) {
      throw new IllegalArgumentException("epochs must be positive; received " + epochs);
    }
    this.epochs = epochs;
    return this;
  }

  public FitOptions shuffle(boolean shuffle) {
    this.shuffle = shuffle;
    return this;
  }

  /** Seeds shuffling and dropout; the weights' seed is the model's ({@link Sequential#seed}). */
  public FitOptions seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Holds out the LAST fraction of the examples (before shuffling), as Keras does. */
  public FitOptions validationSplit(double fraction) {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException(
          "validation_split must be in [0, 1); received " + fraction);
    }
    this.validationSplit = fraction;
    return this;
  }

  public FitOptions validationData(Tensor x, Tensor y) {
    this.validationX = x;
    this.validationY = y;
    return this;
  }

  /** Threads for one step's batch; the result depends on it only through float rounding. */
  public FitOptions threads(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("threads must be positive; received " + threads);
    }
    this.threads = threads;
    return this;
  }

  /**
   * Keras' verbose: 0 silent, 1 progress bar (plain lines without a terminal), 2 a line per epoch.
   */
  public FitOptions verbose(int verbose) {
    if (verbose < 0 || verbose > 2) {
      throw new IllegalArgumentException(
          "verbose out of range; received: " + verbose + "; expected: 0, 1 or 2 (Keras' values)");
    }
    this.verbose = verbose;
    return this;
  }

  /** Where progress goes instead of System.out (e.g. a test's capture); its verbose wins. */
  public FitOptions progress(ProgressBar progress) {
    this.progress = progress;
    return this;
  }

  /** Called after each epoch, e.g. to print Keras-style progress. */
  public FitOptions onEpochEnd(Consumer<History.Epoch> listener) {
    this.onEpochEnd = listener;
    return this;
  }
}
