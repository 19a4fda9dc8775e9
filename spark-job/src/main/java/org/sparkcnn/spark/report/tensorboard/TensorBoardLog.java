package org.sparkcnn.spark.report.tensorboard;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.spark.report.EpochLog;

/**
 * A run's TensorBoard logs, laid out as Keras' TensorBoard callback lays them out so the same
 * dashboards work: {@code <dir>/train} holds {@code epoch_loss}, {@code epoch_accuracy}, {@code
 * epoch_learning_rate}, {@code epoch_images_per_second} per epoch (step = epoch from 0) and {@code
 * batch_loss} every {@code updateFreq} steps (step = global step); {@code <dir>/validation} holds
 * {@code epoch_loss} and {@code epoch_accuracy} of the validation data.
 *
 * <p>Order of calls: construct → {@link #step} and {@link #epochDone} as training goes → {@link
 * #close}.
 */
public final class TensorBoardLog implements Closeable {
  private final EventFile train;
  private final EventFile validation;
  private final int updateFreq;

  /**
   * @param updateFreq write the training loss every this many steps; 0 = per epoch only
   */
  public TensorBoardLog(String dir, Configuration conf, int updateFreq) {
    try {
      this.train = new EventFile(new Path(dir, "train"), conf);
      this.validation = new EventFile(new Path(dir, "validation"), conf);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create TensorBoard event files under " + dir + ": " + e.getMessage(), e);
    }
    this.updateFreq = updateFreq;
  }

  /** A step's batch loss; written when the global step (from 0) is a multiple of updateFreq. */
  public void step(long globalStep, double loss) {
    if (updateFreq > 0 && globalStep % updateFreq == 0 && Double.isFinite(loss)) {
      io(() -> train.scalar("batch_loss", globalStep, loss));
    }
  }

  public void epochDone(EpochLog e) {
    long step = e.epoch() - 1;
    io(
        () -> {
          for (Map.Entry<String, Double> m : e.logs().entrySet()) {
            boolean val = m.getKey().startsWith("val_");
            String tag = "epoch_" + (val ? m.getKey().substring(4) : m.getKey());
            (val ? validation : train).scalar(tag, step, m.getValue());
          }
          if (!Double.isNaN(e.learningRate())) {
            train.scalar("epoch_learning_rate", step, e.learningRate());
          }
          train.scalar("epoch_images_per_second", step, e.imagesPerSecond());
          train.flush();
          validation.flush();
        });
  }

  @Override
  public void close() {
    io(
        () -> {
          try {
            train.close();
          } finally {
            validation.close();
          }
        });
  }

  private interface Io {
    void run() throws IOException;
  }

  private void io(Io action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write TensorBoard events to " + train.path().getParent().getParent() + ": " + e,
          e);
    }
  }
}
