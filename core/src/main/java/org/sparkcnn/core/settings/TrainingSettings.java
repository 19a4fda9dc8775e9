package org.sparkcnn.core.settings;

import java.util.List;

/**
 * Every training setting that more than one API offers, declared once. The job config ({@code
 * JobConfig}), Spark ML ({@code CnnClassifier}) and the Java options ({@link
 * org.sparkcnn.core.model.FitOptions}, {@code TrainerOptions}) take their keys, names, defaults and
 * ranges from here; {@code SettingsAgreeTest} reads them back through each API.
 *
 * <p>Defaults are Keras' where Keras has one ({@code epochs} 1, {@code batch_size} 32, {@code
 * shuffle} true, {@code validation_split} 0, {@code verbose} "auto" = 1, Adam's {@code
 * learning_rate} 0.001).
 */
public final class TrainingSettings {
  private TrainingSettings() {}

  public static final TrainingSetting<Integer> EPOCHS =
      TrainingSetting.integer(
          "epochs", 1, Range.atLeast(1), "passes over the training data (Keras: epochs)");

  public static final TrainingSetting<Integer> BATCH_SIZE =
      TrainingSetting.integer(
          "batch_size",
          32,
          Range.atLeast(1),
          "global mini-batch size, split over partitions in proportion to their sizes");

  public static final TrainingSetting<Boolean> SHUFFLE =
      TrainingSetting.bool("shuffle", true, "reshuffle the training data every epoch (seeded)");

  public static final TrainingSetting<Long> SEED =
      TrainingSetting.longInteger(
          "seed", 0L, "seed of weight initialisation, shuffling and dropout");

  public static final TrainingSetting<Double> VALIDATION_SPLIT =
      TrainingSetting.number(
          "validation_split",
          0.0,
          new Range(0, true, 1, false),
          "hold out this last fraction of the training rows (Keras: by row order, before"
              + " shuffling) for validation after every epoch; 0 = none");

  public static final TrainingSetting<Integer> VERBOSE =
      TrainingSetting.integer(
          "verbose",
          1,
          Range.between(0, 2),
          "Keras' verbose: 0 silent, 1 a progress bar per epoch (plain lines every few seconds "
              + "without a terminal), 2 one line per epoch; Keras' default \"auto\" is 1");

  public static final TrainingSetting<String> OPTIMIZER =
      TrainingSetting.choice("optimizer", "adam", List.of("adam", "sgd"), "the optimizer");

  public static final TrainingSetting<Double> LEARNING_RATE =
      TrainingSetting.number(
          "learning_rate",
          0.001,
          Range.between(1e-12, 1e6),
          "the optimizer's learning_rate (the default is Keras' for Adam; SGD's own is 0.01)");

  public static final TrainingSetting<String> LOSS =
      TrainingSetting.string("loss", "sparse_categorical_crossentropy", "Keras loss name");

  public static final TrainingSetting<String> LABEL_MODE =
      TrainingSetting.choice(
              "label_mode",
              "auto",
              List.of("auto", "int", "binary", "categorical", "multi_label"),
              "how labels become targets: int (class index), binary (0/1 for one sigmoid output),"
                  + " categorical (class index or one-hot array), multi_label (array of K values"
                  + " 0/1); auto = derived from the loss and the last layer's units")
          .named("labelMode");

  public static final TrainingSetting<Double> RESCALE =
      TrainingSetting.number(
          "rescale", 1.0 / 255, Range.above(0), "model input = uint8 pixel * rescale");

  public static final TrainingSetting<Integer> PARTITIONS =
      TrainingSetting.integer(
              "partitions",
              0,
              Range.atLeast(0),
              "partitions of the cached training data; 0 = spark.default.parallelism (the cores)")
          .named("numPartitions");

  public static final TrainingSetting<String> SYNC =
      TrainingSetting.choice(
          "sync",
          "auto",
          List.of("auto", "driver-sync", "jobs"),
          "step synchronisation: driver-sync (one barrier stage per epoch), jobs (one job per"
              + " step) or auto (driver-sync when every partition gets a task slot)");

  public static final TrainingSetting<Integer> TIMEOUT_SECONDS =
      TrainingSetting.integer(
          "timeout_seconds",
          600,
          Range.atLeast(1),
          "fail a step that waits longer than this for its tasks, rather than hang");

  public static final TrainingSetting<Integer> MAX_TASK_FAILURES =
      TrainingSetting.integer(
          "max_task_failures",
          4,
          Range.atLeast(0),
          "lost tasks (executor killed, frozen or unreachable) a driver-sync run survives by "
              + "relaunching its stage from the step in flight; one more ends the run");

  /**
   * A checkpoint of the seed model costs about as much as 10-20 of its steps at batch 32
   * (scripts/bench --section checkpoint), so every 1000 steps stays near 1-2% of the step time.
   */
  public static final TrainingSetting<Integer> CHECKPOINT_EVERY_STEPS =
      TrainingSetting.integer(
              "checkpoint_every_steps",
              1000,
              Range.atLeast(0),
              "steps between checkpoints within an epoch (one is also taken at each epoch end);"
                  + " 0 = epoch ends only")
          .named("checkpointInterval");

  public static final TrainingSetting<List<String>> CLASS_NAMES =
      TrainingSetting.strings(
          "class_names",
          "names of the classes in label order, saved with the model; empty = from the data (an"
              + " image folder's class folders, Fashion-MNIST's names) or none");

  public static final TrainingSetting<String> SYNC_TOPOLOGY =
      TrainingSetting.choice(
          "sync_topology",
          "auto",
          List.of("auto", "star", "sharded"),
          "how driver-sync moves weights and gradients: star (executors to the driver, pre-summed"
              + " per executor), sharded (reduce-scatter and all-gather between executors; the"
              + " driver sends and receives the weights once per step), auto (sharded from 4"
              + " executors up); same weights either way");

  public static final TrainingSetting<Integer> KEEP_CHECKPOINTS =
      TrainingSetting.integer(
          "keep_checkpoints", 3, Range.atLeast(1), "how many of the newest checkpoints to keep");

  /** Every setting above, in the order the docs list them. */
  public static final List<TrainingSetting<?>> ALL =
      List.of(
          EPOCHS,
          BATCH_SIZE,
          SHUFFLE,
          SEED,
          VALIDATION_SPLIT,
          VERBOSE,
          OPTIMIZER,
          LEARNING_RATE,
          LOSS,
          LABEL_MODE,
          RESCALE,
          CLASS_NAMES,
          PARTITIONS,
          SYNC,
          SYNC_TOPOLOGY,
          TIMEOUT_SECONDS,
          MAX_TASK_FAILURES,
          CHECKPOINT_EVERY_STEPS,
          KEEP_CHECKPOINTS);
}
