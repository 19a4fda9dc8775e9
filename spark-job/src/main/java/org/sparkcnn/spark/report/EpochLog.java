package org.sparkcnn.spark.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkcnn.core.model.History;
import org.sparkcnn.spark.EpochReport;

/**
 * One epoch as Keras' {@code logs} dict names it ({@code loss}, {@code accuracy}, {@code val_loss},
 * {@code val_accuracy}; a figure that was not computed is absent), plus the learning rate,
 * throughput and time: what metrics.csv, report.html and TensorBoard draw from.
 *
 * @param epoch 1-based, as printed
 */
public record EpochLog(
    int epoch,
    int epochs,
    Map<String, Double> logs,
    double learningRate,
    double imagesPerSecond,
    double seconds) {

  public static EpochLog of(EpochReport r, double learningRate) {
    History.Epoch f = r.figures();
    Map<String, Double> logs = new LinkedHashMap<>();
    put(logs, "loss", f.loss());
    put(logs, "accuracy", f.accuracy());
    put(logs, "val_loss", f.valLoss());
    put(logs, "val_accuracy", f.valAccuracy());
    return new EpochLog(
        f.epoch(), f.epochs(), logs, learningRate, r.imagesPerSecond(), r.trainSeconds());
  }

  /** A value by Keras name, NaN when absent. */
  public double get(String key) {
    Double v = logs.get(key);
    return v == null ? Double.NaN : v;
  }

  private static void put(Map<String, Double> logs, String key, double v) {
    if (!Double.isNaN(v)) {
      logs.put(key, v);
    }
  }
}
