package org.sparkcnn.spark.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.metrics.Accuracy;
import org.sparkcnn.core.model.History;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.EpochReport;

/**
 * metrics.json: per-epoch history (Keras' History keys: loss, accuracy, val_loss, val_accuracy,
 * plus time, steps and images/second), the final test loss and accuracy, overall training
 * throughput and the job's wall time. NaN (no validation, no accuracy metric) is written as null.
 */
final class Metrics {
  private Metrics() {}

  static Map<String, Object> of(
      List<EpochReport> history,
      Map<String, Object> test,
      long trainRows,
      long validationRows,
      int partitions,
      SparkSession spark,
      double wallSeconds) {
    List<Object> epochs = new ArrayList<>();
    double seconds = 0;
    long images = 0;
    for (EpochReport r : history) {
      Map<String, Object> e = new LinkedHashMap<>();
      History.Epoch f = r.figures();
      e.put("epoch", f.epoch());
      e.put("loss", number(f.loss()));
      e.put("accuracy", number(f.accuracy()));
      e.put("val_loss", number(f.valLoss()));
      e.put("val_accuracy", number(f.valAccuracy()));
      e.put("examples", f.examples());
      e.put("steps", r.steps());
      e.put("train_seconds", r.trainSeconds());
      e.put("validation_seconds", r.validationSeconds());
      e.put("images_per_second", r.imagesPerSecond());
      e.put("ms_per_step", r.millisPerStep());
      epochs.add(e);
      seconds += r.trainSeconds();
      images += f.examples();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("history", epochs);
    m.put("test", test);
    m.put("images_per_second", seconds > 0 ? images / seconds : null);
    m.put("train_seconds", seconds);
    m.put("wall_seconds", wallSeconds);
    m.put("train_rows", trainRows);
    m.put("validation_rows", validationRows);
    m.put("partitions", partitions);
    m.put("sync", history.isEmpty() ? null : history.get(0).sync());
    m.put("spark_master", spark.sparkContext().master());
    m.put("spark_version", spark.version());
    return m;
  }

  /**
   * The Keras metric behind "accuracy" for this model, as tf.keras resolves it from the loss and
   * the output width: sparse_categorical_accuracy (argmax equals the class index),
   * categorical_accuracy (argmax equals the one-hot target's argmax) or binary_accuracy (output >
   * 0.5 equals the 0/1 target, averaged over the outputs); null without an accuracy metric.
   */
  static String accuracyName(Sequential model) {
    Accuracy a = model.accuracy();
    if (a == null) {
      return null;
    }
    return switch (a) {
      case SPARSE_CATEGORICAL -> "sparse_categorical_accuracy";
      case CATEGORICAL -> "categorical_accuracy";
      case BINARY -> "binary_accuracy";
    };
  }

  private static Double number(double d) {
    return Double.isNaN(d) ? null : d;
  }
}
