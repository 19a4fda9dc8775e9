package org.sparkcnn.spark;

import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.ProgressBar;

/**
 * Draws a distributed fit's steps on a {@link ProgressBar}: the epoch's running loss and accuracy.
 */
public final class ProgressObserver implements DistributedTrainer.StepObserver {
  private final ProgressBar bar;
  private final int epochs;
  private final boolean accuracy;

  /**
   * @param accuracy whether the model tracks accuracy (else only the loss is shown)
   */
  public ProgressObserver(ProgressBar bar, int epochs, boolean accuracy) {
    this.bar = bar;
    this.epochs = epochs;
    this.accuracy = accuracy;
  }

  @Override
  public void stepDone(int epoch, int step, long globalStep, double loss, double gradNorm) {}

  @Override
  public void epochStarted(int epoch, int fromStep, int steps) {
    bar.epochStart(epoch + 1, epochs, steps);
  }

  @Override
  public void epochSoFar(int epoch, int stepsDone, int steps, BatchStats soFar) {
    bar.step(stepsDone, soFar.meanLoss(), accuracy ? soFar.accuracy() : Double.NaN);
  }
}
