package org.sparkcnn.spark;

import java.io.Serializable;

/**
 * Settings of a distributed fit, with Keras' names where Keras has one.
 *
 * @param epochs passes over the training data
 * @param batchSize the GLOBAL mini-batch, split over partitions in proportion to their sizes
 * @param shuffle reshuffle each partition every epoch, seeded by (seed, epoch, partition)
 * @param seed shuffling and dropout seed
 * @param rescale model input = uint8 pixel * rescale (1/255 for [0, 1])
 * @param sync "auto" (driver-sync when every partition gets a task slot, else jobs), "driver-sync"
 *     or "jobs"; all give the same weights, they differ in per-step overhead
 * @param timeoutSeconds how long the driver waits for a step's tasks before failing rather than
 *     hanging (both sync modes)
 * @param maxTaskFailures how many lost tasks (executor killed, frozen or unreachable) a driver-sync
 *     run survives by relaunching its stage from the step in flight; one more ends the run
 */
public record TrainerOptions(
    int epochs,
    int batchSize,
    boolean shuffle,
    long seed,
    double rescale,
    String sync,
    int timeoutSeconds,
    int maxTaskFailures)
    implements Serializable {

  public TrainerOptions {
    if (epochs <= 0) {
      throw new IllegalArgumentException("epochs must be positive; received " + epochs);
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch_size must be positive; received " + batchSize);
    }
    if (!(rescale > 0)) {
      throw new IllegalArgumentException("rescale must be positive; received " + rescale);
    }
    if (!sync.equals("auto") && !sync.equals("driver-sync") && !sync.equals("jobs")) {
      throw new IllegalArgumentException(
          "unknown sync mode; received \""
              + sync
              + "\", expected \"auto\", \"driver-sync\" or \"jobs\"");
    }
    if (timeoutSeconds <= 0) {
      throw new IllegalArgumentException("timeout must be positive; received " + timeoutSeconds);
    }
    if (maxTaskFailures < 0) {
      throw new IllegalArgumentException(
          "max_task_failures must be 0 or more; received " + maxTaskFailures);
    }
  }

  /** The settings without max_task_failures, which takes its default (4). */
  public TrainerOptions(
      int epochs,
      int batchSize,
      boolean shuffle,
      long seed,
      double rescale,
      String sync,
      int timeoutSeconds) {
    this(
        epochs,
        batchSize,
        shuffle,
        seed,
        rescale,
        sync,
        timeoutSeconds,
        DriverSyncRunner.DEFAULT_MAX_TASK_FAILURES);
  }

  /** Keras-like defaults: 1 epoch, batch 32, shuffle, seed 0, pixels to [0, 1], auto sync. */
  public static TrainerOptions defaults() {
    return new TrainerOptions(1, 32, true, 0, 1.0 / 255, "auto", 600);
  }

  public TrainerOptions withEpochs(int e) {
    return new TrainerOptions(
        e, batchSize, shuffle, seed, rescale, sync, timeoutSeconds, maxTaskFailures);
  }

  public TrainerOptions withBatchSize(int b) {
    return new TrainerOptions(
        epochs, b, shuffle, seed, rescale, sync, timeoutSeconds, maxTaskFailures);
  }

  public TrainerOptions withShuffle(boolean s) {
    return new TrainerOptions(
        epochs, batchSize, s, seed, rescale, sync, timeoutSeconds, maxTaskFailures);
  }

  public TrainerOptions withSeed(long s) {
    return new TrainerOptions(
        epochs, batchSize, shuffle, s, rescale, sync, timeoutSeconds, maxTaskFailures);
  }

  public TrainerOptions withRescale(double r) {
    return new TrainerOptions(
        epochs, batchSize, shuffle, seed, r, sync, timeoutSeconds, maxTaskFailures);
  }

  public TrainerOptions withSync(String s) {
    return new TrainerOptions(
        epochs, batchSize, shuffle, seed, rescale, s, timeoutSeconds, maxTaskFailures);
  }

  public TrainerOptions withMaxTaskFailures(int f) {
    return new TrainerOptions(epochs, batchSize, shuffle, seed, rescale, sync, timeoutSeconds, f);
  }

  public TrainerOptions withTimeoutSeconds(int t) {
    return new TrainerOptions(epochs, batchSize, shuffle, seed, rescale, sync, t, maxTaskFailures);
  }
}
