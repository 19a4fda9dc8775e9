package org.sparkcnn.spark.job;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.History;
import org.sparkcnn.core.model.ProgressBar;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ProgressObserver;
import org.sparkcnn.spark.ResumePoint;
import org.sparkcnn.spark.report.EpochLog;
import org.sparkcnn.spark.report.RunEnvironment;
import org.sparkcnn.spark.report.RunReport;
import org.sparkcnn.spark.report.tensorboard.TensorBoardLog;

/** The training job's side of {@link RunReport}: what the report is told, in the job's terms. */
final class TrainReports {
  private TrainReports() {}

  /** The report of a run; a resumed run's report starts with the epochs finished before. */
  static RunReport start(
      SparkSession spark,
      JobConfig cfg,
      Sequential model,
      List<String> classNames,
      ResumePoint from,
      double learningRate) {
    RunReport report =
        new RunReport(
            cfg.output(),
            spark.sparkContext().hadoopConfiguration(),
            "spark-cnn train: " + cfg.output(),
            model.summary(),
            cfg.toJson(),
            RunEnvironment.of(spark.sparkContext()),
            classNames);
    for (EpochReport r : from.history()) {
      report.resumed(EpochLog.of(r, learningRate));
    }
    return report;
  }

  /** The run's TensorBoard logs under {@code <output>/tensorboard}, or null when turned off. */
  static TensorBoardLog tensorBoard(JobConfig cfg, Configuration hadoop) {
    return cfg.tensorBoard()
        ? new TensorBoardLog(cfg.output() + "/tensorboard", hadoop, cfg.tensorBoardUpdateFreq())
        : null;
  }

  /**
   * What watches the steps, as one observer: the progress bar (announcing the first step's time),
   * TensorBoard's batch loss (may be null) and a test's observer (may be null).
   */
  static DistributedTrainer.StepObserver steps(
      DistributedTrainer.StepObserver observer,
      TensorBoardLog tensorBoard,
      ProgressBar bar,
      int epochs,
      boolean accuracy) {
    ProgressObserver progress = new ProgressObserver(bar, epochs, accuracy);
    return new DistributedTrainer.StepObserver() {
      private long epochStarted;
      private boolean firstStepSeen;

      @Override
      public void stepDone(int epoch, int step, long globalStep, double loss, double gradNorm) {
        if (tensorBoard != null) {
          tensorBoard.step(globalStep, loss);
        }
        if (observer != null) {
          observer.stepDone(epoch, step, globalStep, loss, gradNorm);
        }
      }

      @Override
      public void epochStarted(int epoch, int fromStep, int steps) {
        epochStarted = System.nanoTime();
        progress.epochStarted(epoch, fromStep, steps);
      }

      @Override
      public void epochSoFar(int epoch, int stepsDone, int steps, BatchStats soFar) {
        if (!firstStepSeen) {
          firstStepSeen = true;
          if (bar.verbose() > 0) {
            // Starting the epoch's tasks and building the model on every executor: the wait
            // before the first bar moves.
            System.out.println(
                JobSupport.format(
                    "spark-cnn train: first step done %.1f s after the epoch started",
                    (System.nanoTime() - epochStarted) / 1e9));
          }
        }
        progress.epochSoFar(epoch, stepsDone, steps, soFar);
      }
    };
  }

  /** The optimizer's learning rate (constant: the project has no schedules), NaN if unknown. */
  static double learningRate(Sequential model) {
    Object lr = model.optimizer().config().get("learning_rate");
    return lr instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  static Map<String, Object> testFigures(Map<String, Object> test) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("evaluated on", "test_data");
    m.put("test loss", test.get("loss"));
    m.put("test accuracy", test.get("accuracy"));
    m.put("test examples", test.get("examples"));
    return m;
  }

  /** Without test data the confusion matrix is the last epoch's validation. */
  static Map<String, Object> validationFigures(List<EpochReport> history, long rows) {
    Map<String, Object> m = new LinkedHashMap<>();
    History.Epoch last = history.get(history.size() - 1).figures();
    m.put("evaluated on", "validation data after the last epoch");
    m.put("val loss", last.valLoss());
    m.put("val accuracy", Double.isNaN(last.valAccuracy()) ? null : last.valAccuracy());
    m.put("validation examples", rows);
    return m;
  }
}
