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
import java.util.function.Consumer;
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
    return with(o -> o.epochs = e);
  }

  public TrainerOptions withBatchSize(int b) {
    return with(o -> o.batchSize = b);
  }

  public TrainerOptions withShuffle(boolean s) {
    return with(o -> o.shuffle = s);
  }

  public TrainerOptions withSeed(long s) {
    return with(o -> o.seed = s);
  }

  public TrainerOptions withRescale(double r) {
    return with(o -> o.rescale = r);
  }

  public TrainerOptions withSync(String s) {
    return with(o -> o.sync = s);
  }

  public TrainerOptions withMaxTaskFailures(int f) {
    return with(o -> o.maxTaskFailures = f);
  }

  public TrainerOptions withTimeoutSeconds(int t) {
    return with(o -> o.timeoutSeconds = t);
  }

  /** A copy with {@code change} applied, checked again by the record's constructor. */
  private TrainerOptions with(Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new TrainerOptions(
        f.epochs,
        f.batchSize,
        f.shuffle,
        f.seed,
        f.rescale,
        f.sync,
        f.timeoutSeconds,
        f.maxTaskFailures);
  }

  /** The record's components, writable: what {@link #with} changes one of. */
  private static final class Fields {
    int epochs;
    int batchSize;
    boolean shuffle;
    long seed;
    double rescale;
    String sync;
    int timeoutSeconds;
    int maxTaskFailures;

    Fields(TrainerOptions o) {
      epochs = o.epochs;
      batchSize = o.batchSize;
      shuffle = o.shuffle;
      seed = o.seed;
      rescale = o.rescale;
      sync = o.sync;
      timeoutSeconds = o.timeoutSeconds;
      maxTaskFailures = o.maxTaskFailures;
    }
  }
}
