package org.sparkcnn.core.model;

import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.SEED;
import static org.sparkcnn.core.settings.TrainingSettings.SHUFFLE;
import static org.sparkcnn.core.settings.TrainingSettings.VALIDATION_SPLIT;
import static org.sparkcnn.core.settings.TrainingSettings.VERBOSE;

import java.util.function.Consumer;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.settings.TrainingSettings;
import org.sparkcnn.core.tensor.Tensor;

/**
 * Keras' fit arguments, with the defaults and ranges declared in {@link TrainingSettings}
 * (batch_size 32, epochs 1, shuffle true, seed 0, validation_split 0, verbose 1: Keras' "auto", a
 * progress bar on a terminal, plain lines every few seconds otherwise; see {@link ProgressBar});
 * threads = available processors.
 */
public final class FitOptions {
  int batchSize = BATCH_SIZE.defaultValue();
  int epochs = EPOCHS.defaultValue();
  boolean shuffle = SHUFFLE.defaultValue();
  long seed = SEED.defaultValue();
  double validationSplit = VALIDATION_SPLIT.defaultValue();
  Tensor validationX;
  Tensor validationY;
  int threads = ParallelBatches.defaultThreads();
  Consumer<History.Epoch> onEpochEnd;
  ProgressBar progress = null;
  int verbose = VERBOSE.defaultValue();

  public FitOptions batchSize(int batchSize) {
    this.batchSize = BATCH_SIZE.check(batchSize, "FitOptions.batchSize");
    return this;
  }

  public int batchSize() {
    return batchSize;
  }

  public FitOptions epochs(int epochs) {
    this.epochs = EPOCHS.check(epochs, "FitOptions.epochs");
    return this;
  }

  public int epochs() {
    return epochs;
  }

  public FitOptions shuffle(boolean shuffle) {
    this.shuffle = shuffle;
    return this;
  }

  public boolean shuffle() {
    return shuffle;
  }

  /** Seeds shuffling and dropout; the weights' seed is the model's ({@link Sequential#seed}). */
  public FitOptions seed(long seed) {
    this.seed = seed;
    return this;
  }

  public long seed() {
    return seed;
  }

  /** Holds out the LAST fraction of the examples (before shuffling), as Keras does; 0 = none. */
  public FitOptions validationSplit(double fraction) {
    this.validationSplit = VALIDATION_SPLIT.check(fraction, "FitOptions.validationSplit");
    return this;
  }

  public double validationSplit() {
    return validationSplit;
  }

  public FitOptions validationData(Tensor x, Tensor y) {
    this.validationX = x;
    this.validationY = y;
    return this;
  }

  /** Threads for one step's batch; the result depends on it only through float rounding. */
  public FitOptions threads(int threads) {
    if (threads <= 0) {
      throw ErrorText.problem("threads out of range")
          .in("FitOptions")
          .received(threads)
          .expected("a positive integer")
          .illegalArgument();
    }
    this.threads = threads;
    return this;
  }

  /**
   * Keras' verbose: 0 silent, 1 progress bar (plain lines without a terminal), 2 a line per epoch.
   */
  public FitOptions verbose(int verbose) {
    this.verbose = VERBOSE.check(verbose, "FitOptions.verbose");
    return this;
  }

  public int verbose() {
    return verbose;
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
