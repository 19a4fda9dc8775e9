package org.sparkcnn.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.sparkcnn.core.errors.ErrorText;

/** What fit returns: one entry per epoch, like Keras' History.history. */
public final class History {
  /**
   * One epoch: training loss and accuracy averaged over the epoch's examples (as Keras reports
   * them, while the weights change), validation figures (NaN without validation data), time. {@code
   * Sequential.fit}'s seconds include the validation; a distributed fit's ({@code EpochReport}'s)
   * do not.
   */
  public record Epoch(
      int epoch,
      int epochs,
      double loss,
      double accuracy,
      double valLoss,
      double valAccuracy,
      long examples,
      double seconds) {
    public double imagesPerSecond() {
      return examples / seconds;
    }

    /** Keras-style progress line, e.g. "Epoch 1/5 - 12.3s - loss: 0.4512 - accuracy: 0.8391". */
    @Override
    public String toString() {
      return String.format(
              Locale.ROOT,
              "Epoch %d/%d - %.1fs - %.0f images/s - ",
              epoch,
              epochs,
              seconds,
              imagesPerSecond())
          + kerasFigures();
    }

    /**
     * The figures of the epoch's line as Keras prints them: "loss: 0.4512 - accuracy: 0.8391 -
     * val_loss: ... - val_accuracy: ...", leaving out those that are NaN (not tracked).
     */
    public String kerasFigures() {
      StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "loss: %.4f", loss));
      if (!Double.isNaN(accuracy)) {
        s.append(String.format(Locale.ROOT, " - accuracy: %.4f", accuracy));
      }
      if (!Double.isNaN(valLoss)) {
        s.append(String.format(Locale.ROOT, " - val_loss: %.4f", valLoss));
      }
      if (!Double.isNaN(valAccuracy)) {
        s.append(String.format(Locale.ROOT, " - val_accuracy: %.4f", valAccuracy));
      }
      return s.toString();
    }
  }

  private final List<Epoch> epochs = new ArrayList<>();

  void add(Epoch e) {
    epochs.add(e);
  }

  public List<Epoch> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  public Epoch last() {
    return epochs.get(epochs.size() - 1);
  }

  /** A metric across epochs by Keras' key: loss, accuracy, val_loss, val_accuracy. */
  public double[] get(String key) {
    return epochs.stream()
        .mapToDouble(
            e ->
                switch (key) {
                  case "loss" -> e.loss();
                  case "accuracy" -> e.accuracy();
                  case "val_loss" -> e.valLoss();
                  case "val_accuracy" -> e.valAccuracy();
                  default ->
                      throw ErrorText.problem("unknown history key")
                          .received(ErrorText.quote(key))
                          .expected("loss, accuracy, val_loss or val_accuracy")
                          .illegalArgument();
                })
        .toArray();
  }
}
