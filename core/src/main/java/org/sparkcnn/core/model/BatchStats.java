package org.sparkcnn.core.model;

/**
 * Sums over the examples of a batch or a slice of one: what each Spark partition returns and the
 * driver adds up before dividing by {@link #count}.
 *
 * @param lossSum sum of per-example losses
 * @param count number of examples
 * @param correct sum of per-example accuracies (a count of correct predictions for classifiers)
 */
public record BatchStats(double lossSum, long count, double correct) {
  public static final BatchStats EMPTY = new BatchStats(0, 0, 0);

  public BatchStats plus(BatchStats o) {
    return new BatchStats(lossSum + o.lossSum, count + o.count, correct + o.correct);
  }

  public double meanLoss() {
    return lossSum / count;
  }

  public double accuracy() {
    return correct / count;
  }
}
