package org.sparkcnn.core.model;

/** Result of {@link Sequential#evaluate}: mean loss, accuracy (NaN without the metric), count. */
public record Evaluation(double loss, double accuracy, long count) {
  static Evaluation of(BatchStats s, boolean hasAccuracy) {
    return new Evaluation(s.meanLoss(), hasAccuracy ? s.accuracy() : Double.NaN, s.count());
  }
}
