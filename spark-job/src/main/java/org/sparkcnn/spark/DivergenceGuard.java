package org.sparkcnn.spark;

import java.util.Locale;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Stops a fit at the step where it diverges, as Keras' TerminateOnNaN does, before the step's
 * update is applied: a loss or gradient that is not finite, or (when {@code maxLoss} is set) a
 * batch's mean loss above {@code maxLoss}. The check costs one pass over the gradient that the
 * trainer makes anyway (it sums the squares while scaling), and two comparisons.
 *
 * @param terminateOnNaN stop on a NaN or infinite loss or gradient norm (on by default)
 * @param maxLoss stop when a batch's mean loss exceeds this; NaN = no limit
 */
public record DivergenceGuard(boolean terminateOnNaN, double maxLoss) {

  public DivergenceGuard {
    if (!Double.isNaN(maxLoss) && !(maxLoss > 0)) {
      throw ErrorText.problem("max_loss must be positive")
          .received(maxLoss)
          .expected("a number > 0 or null")
          .illegalArgument();
    }
  }

  /** TerminateOnNaN on, no loss limit. */
  public static DivergenceGuard defaults() {
    return new DivergenceGuard(true, Double.NaN);
  }

  /**
   * Throws {@link TrainingDivergedException} when the step must not be applied.
   *
   * @param epoch the epoch, from 0
   * @param step the step within the epoch, from 0
   * @param gradSquares the sum of the squared mean gradient
   */
  void check(int epoch, int step, int steps, long globalStep, double loss, double gradSquares) {
    String what = null;
    double value = 0;
    if (terminateOnNaN && !Double.isFinite(loss)) {
      what = "the loss is not finite";
      value = loss;
    } else if (terminateOnNaN && !Double.isFinite(gradSquares)) {
      what = "the gradient norm is not finite";
      value = Math.sqrt(gradSquares);
    } else if (!Double.isNaN(maxLoss) && loss > maxLoss) {
      what = "the loss exceeds max_loss " + maxLoss;
      value = loss;
    }
    if (what != null) {
      throw new TrainingDivergedException(
          ErrorText.problem(what)
              .in(
                  String.format(
                      Locale.ROOT,
                      "training diverged in epoch %d, step %d of %d (global step %d)",
                      epoch + 1,
                      step + 1,
                      steps,
                      globalStep + 1))
              .received(value)
              .expected("a finite loss" + (Double.isNaN(maxLoss) ? "" : " of at most " + maxLoss))
              .hint(
                  "lower the learning rate, check the inputs' scale (rescale), or resume from an"
                      + " earlier checkpoint; nothing was published")
              .text(),
          epoch,
          step,
          value);
    }
  }

  /** The run stopped because the loss or gradient diverged. */
  public static final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final int epoch;
    private final int step;
    private final double value;

    TrainingDivergedException(String message, int epoch, int step, double value) {
      super(message);
      this.epoch = epoch;
      this.step = step;
      this.value = value;
    }

    /** The epoch, from 0. */
    public int epoch() {
      return epoch;
    }

    /** The step within the epoch, from 0. */
    public int step() {
      return step;
    }

    public double value() {
      return value;
    }
  }
}
