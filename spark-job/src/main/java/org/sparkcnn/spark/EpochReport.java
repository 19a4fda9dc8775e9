package org.sparkcnn.spark;

import java.util.Locale;

/**
 * One epoch of a distributed fit: training loss and accuracy averaged over the epoch's examples,
 * validation figures (NaN without validation data), steps, wall time and throughput. A step's wall
 * time splits into the slowest partition's compute and the overhead: everything else (moving
 * weights and gradients, scheduling, summing, the optimizer), measured on the steps after the
 * first; the first step's overhead (starting the epoch) is epochStartupMillis, and finishing the
 * epoch's tasks after the last step is epochTeardownMillis.
 */
public record EpochReport(
    int epoch,
    int epochs,
    double loss,
    double accuracy,
    double valLoss,
    double valAccuracy,
    long examples,
    int steps,
    double trainSeconds,
    double validationSeconds,
    String sync,
    double computeMillisPerStep,
    double overheadMillisPerStep,
    double epochStartupMillis,
    double epochTeardownMillis,
    double steadyMillisPerStep) {

  public double imagesPerSecond() {
    return examples / trainSeconds;
  }

  /** Throughput of the steady state: global batch over the mean step after the first. */
  public double steadyImagesPerSecond() {
    return steadyMillisPerStep == 0
        ? imagesPerSecond()
        : (double) examples / steps / steadyMillisPerStep * 1000;
  }

  public double millisPerStep() {
    return trainSeconds * 1000 / steps;
  }

  @Override
  public String toString() {
    StringBuilder s =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "Epoch %d/%d - %.1fs - %.0f images/s - %.1f ms/step (overhead %.1f ms) - loss: %.4f",
                epoch,
                epochs,
                trainSeconds,
                imagesPerSecond(),
                millisPerStep(),
                overheadMillisPerStep,
                loss));
    if (!Double.isNaN(accuracy)) {
      s.append(String.format(Locale.ROOT, " - accuracy: %.4f", accuracy));
    }
    if (!Double.isNaN(valLoss)) {
      s.append(String.format(Locale.ROOT, " - val_loss: %.4f", valLoss));
    }
    if (!Double.isNaN(valAccuracy)) {
      s.append(String.format(Locale.ROOT, " - val_accuracy: %.4f", valAccuracy));
    }
    return s.toString();
  }
}
