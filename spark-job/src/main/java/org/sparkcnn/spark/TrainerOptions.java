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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.settings.TrainingSetting;
import org.sparkcnn.core.settings.TrainingSettings;

/**
 * Settings of a distributed fit: the training settings in {@link #SETTINGS}, each with the name,
 * default and range declared in {@link TrainingSettings} (Keras' names where Keras has one). A copy
 * with one setting changed comes from {@link #with}, a setting's value from {@link #get}:
 *
 * <pre>{@code
 * import static org.sparkcnn.core.settings.TrainingSettings.*;
 *
 * TrainerOptions options = TrainerOptions.defaults().with(BATCH_SIZE, 64).with(SEED, 1L);
 * int batch = options.get(BATCH_SIZE);
 * }</pre>
 *
 * <p>What each setting means for a distributed fit: {@code epochs} passes over the training data;
 * {@code batch_size} the GLOBAL mini-batch, split over partitions in proportion to their sizes;
 * {@code shuffle} reshuffles each partition every epoch, seeded by (seed, epoch, partition); {@code
 * seed} seeds shuffling and dropout; {@code rescale}: model input = uint8 pixel * rescale (1/255
 * for [0, 1]); {@code sync} "auto" (driver-sync when every partition gets a task slot, else jobs),
 * "driver-sync" or "jobs", which give the same weights and differ in per-step overhead; {@code
 * timeout_seconds} how long the driver waits for a step's tasks before failing rather than hanging
 * (both sync modes); {@code max_task_failures} how many lost tasks (executor killed, frozen or
 * unreachable) a driver-sync run survives by relaunching its stage from the step in flight.
 */
public final class TrainerOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The settings a distributed fit takes. */
  public static final List<TrainingSetting<?>> SETTINGS =
      List.of(EPOCHS, BATCH_SIZE, SHUFFLE, SEED, RESCALE, SYNC, TIMEOUT_SECONDS, MAX_TASK_FAILURES);

  /** Every setting of {@link #SETTINGS} by its key, checked, of the setting's type. */
  private final LinkedHashMap<String, Object> values;

  private TrainerOptions(LinkedHashMap<String, Object> values) {
    this.values = values;
  }

  /** The defaults declared in {@link TrainingSettings} (Keras': 1 epoch, batch 32, shuffle, …). */
  public static TrainerOptions defaults() {
    return from(TrainingSetting::defaultValue);
  }

  /**
   * The options with each setting's value from {@code source}, e.g. a job config's or Spark ML
   * params' values; a whole number may come as an Integer or a Long (as JSON gives it).
   *
   * @throws IllegalArgumentException naming the first setting whose value is not one it takes
   */
  public static TrainerOptions from(Function<TrainingSetting<?>, Object> source) {
    LinkedHashMap<String, Object> values = new LinkedHashMap<>();
    for (TrainingSetting<?> s : SETTINGS) {
      values.put(s.key(), checked(s, source.apply(s)));
    }
    return new TrainerOptions(values);
  }

  /** The value of {@code setting}, one of {@link #SETTINGS}. */
  public <T> T get(TrainingSetting<T> setting) {
    return setting.type().cast(values.get(known(setting).key()));
  }

  /**
   * A copy with {@code setting} (one of {@link #SETTINGS}) set to {@code value}.
   *
   * @throws IllegalArgumentException when the setting does not take the value
   */
  public <T> TrainerOptions with(TrainingSetting<T> setting, T value) {
    LinkedHashMap<String, Object> changed = new LinkedHashMap<>(values);
    changed.put(known(setting).key(), checked(setting, value));
    return new TrainerOptions(changed);
  }

  private static TrainingSetting<?> known(TrainingSetting<?> setting) {
    if (!SETTINGS.contains(setting)) {
      throw ErrorText.problem("not a setting of a distributed fit")
          .in("TrainerOptions")
          .received(setting.key())
          .expected(String.join(", ", SETTINGS.stream().map(TrainingSetting::key).toList()))
          .illegalArgument();
    }
    return setting;
  }

  /**
   * {@code value} once {@code s} takes it, as the setting's type (a whole number may come as an
   * Integer or a Long).
   */
  @SuppressWarnings("unchecked") // check() only hands the value to accepts(Object)
  private static <T> T checked(TrainingSetting<T> s, Object value) {
    s.check((T) value, "TrainerOptions." + s.name());
    Object v = value;
    if (s.type() == Integer.class) {
      v = ((Number) value).intValue();
    } else if (s.type() == Long.class) {
      v = ((Number) value).longValue();
    } else if (s.type() == Double.class) {
      v = ((Number) value).doubleValue();
    }
    return s.type().cast(v);
  }

  @Override
  public String toString() {
    return "TrainerOptions" + values;
  }
}
