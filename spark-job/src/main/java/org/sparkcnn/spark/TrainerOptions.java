package org.sparkcnn.spark;

import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.MAX_TASK_FAILURES;
import static org.sparkcnn.core.settings.TrainingSettings.RESCALE;
import static org.sparkcnn.core.settings.TrainingSettings.SEED;
import static org.sparkcnn.core.settings.TrainingSettings.SHUFFLE;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC;
import static org.sparkcnn.core.settings.TrainingSettings.TIMEOUT_SECONDS;

import java.io.Serializable;
import org.sparkcnn.core.settings.TrainingSettings;

/**
 * Settings of a distributed fit, with Keras' names where Keras has one; defaults and ranges are
 * those declared in {@link TrainingSettings}.
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
    EPOCHS.check(epochs, "TrainerOptions.epochs");
    BATCH_SIZE.check(batchSize, "TrainerOptions.batchSize");
    RESCALE.check(rescale, "TrainerOptions.rescale");
    SYNC.check(sync, "TrainerOptions.sync");
    TIMEOUT_SECONDS.check(timeoutSeconds, "TrainerOptions.timeoutSeconds");
    MAX_TASK_FAILURES.check(maxTaskFailures, "TrainerOptions.maxTaskFailures");
  }

  /** The settings without max_task_failures, which takes its default. */
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
        MAX_TASK_FAILURES.defaultValue());
  }

  /** The defaults declared in {@link TrainingSettings} (Keras': 1 epoch, batch 32, shuffle, …). */
  public static TrainerOptions defaults() {
    return new TrainerOptions(
        EPOCHS.defaultValue(),
        BATCH_SIZE.defaultValue(),
        SHUFFLE.defaultValue(),
        SEED.defaultValue(),
        RESCALE.defaultValue(),
        SYNC.defaultValue(),
        TIMEOUT_SECONDS.defaultValue(),
        MAX_TASK_FAILURES.defaultValue());
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
