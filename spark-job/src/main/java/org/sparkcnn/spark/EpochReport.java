package org.sparkcnn.spark;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.model.History;

/**
 * One epoch of a distributed fit: what Keras' History records for it ({@code figures}: training
 * loss and accuracy averaged over the epoch's examples, validation figures, NaN without validation
 * data), plus steps, validation time and throughput. A step's wall time splits into the slowest
 * partition's compute and the overhead: everything else (moving weights and gradients, scheduling,
 * summing, the optimizer), measured on the steps after the first; the first step's overhead
 * (starting the epoch) is epochStartupMillis, and finishing the epoch's tasks after the last step
 * is epochTeardownMillis.
 *
 * @param figures the epoch as {@link History} has it; its {@code seconds} are the training time,
 *     without validation
 */
public record EpochReport(
    History.Epoch figures,
    int steps,
    double validationSeconds,
    String sync,
    double computeMillisPerStep,
    double overheadMillisPerStep,
    double epochStartupMillis,
    double epochTeardownMillis,
    double steadyMillisPerStep) {

  /** The training time, without validation. */
  public double trainSeconds() {
    return figures.seconds();
  }

  public double imagesPerSecond() {
    return figures.imagesPerSecond();
  }

  /** Throughput of the steady state: global batch over the mean step after the first. */
  public double steadyImagesPerSecond() {
    return steadyMillisPerStep == 0
        ? imagesPerSecond()
        : (double) figures.examples() / steps / steadyMillisPerStep * 1000;
  }

  public double millisPerStep() {
    return trainSeconds() * 1000 / steps;
  }

  /** Every field by its Java name in snake case; NaN as null. Read back by {@link #fromJson}. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epoch", (long) figures.epoch());
    m.put("epochs", (long) figures.epochs());
    m.put("loss", nullIfNaN(figures.loss()));
    m.put("accuracy", nullIfNaN(figures.accuracy()));
    m.put("val_loss", nullIfNaN(figures.valLoss()));
    m.put("val_accuracy", nullIfNaN(figures.valAccuracy()));
    m.put("examples", figures.examples());
    m.put("steps", (long) steps);
    m.put("train_seconds", figures.seconds());
    m.put("validation_seconds", validationSeconds);
    m.put("sync", sync);
    m.put("compute_ms_per_step", computeMillisPerStep);
    m.put("overhead_ms_per_step", overheadMillisPerStep);
    m.put("epoch_startup_ms", epochStartupMillis);
    m.put("epoch_teardown_ms", epochTeardownMillis);
    m.put("steady_ms_per_step", steadyMillisPerStep);
    return m;
  }

  public static EpochReport fromJson(Map<String, Object> m, String source) {
    History.Epoch figures =
        new History.Epoch(
            JsonFields.getInt(m, "epoch", source),
            JsonFields.getInt(m, "epochs", source),
            orNaN(m, "loss", source),
            orNaN(m, "accuracy", source),
            orNaN(m, "val_loss", source),
            orNaN(m, "val_accuracy", source),
            JsonFields.getLong(m, "examples", source),
            JsonFields.getDouble(m, "train_seconds", source));
    return new EpochReport(
        figures,
        JsonFields.getInt(m, "steps", source),
        JsonFields.getDouble(m, "validation_seconds", source),
        JsonFields.getString(m, "sync", source),
        JsonFields.getDouble(m, "compute_ms_per_step", source),
        JsonFields.getDouble(m, "overhead_ms_per_step", source),
        JsonFields.getDouble(m, "epoch_startup_ms", source),
        JsonFields.getDouble(m, "epoch_teardown_ms", source),
        JsonFields.getDouble(m, "steady_ms_per_step", source));
  }

  private static Double nullIfNaN(double d) {
    return Double.isNaN(d) ? null : d;
  }

  private static double orNaN(Map<String, Object> m, String key, String source) {
    return m.get(key) == null ? Double.NaN : JsonFields.getDouble(m, key, source);
  }

  @Override
  public String toString() {
    return String.format(
            Locale.ROOT,
            "Epoch %d/%d - %.1fs - %.0f images/s - %.1f ms/step (overhead %.1f ms) - ",
            figures.epoch(),
            figures.epochs(),
            trainSeconds(),
            imagesPerSecond(),
            millisPerStep(),
            overheadMillisPerStep)
        + figures.kerasFigures();
  }
}
