package org.sparkcnn.spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.ResumePoint;
import org.sparkcnn.spark.io.CheckpointStore;
import org.sparkcnn.spark.io.OutputLock;
import org.sparkcnn.spark.io.StorageErrors;
import org.sparkcnn.spark.io.TrainingCheckpoints;

/**
 * {@link CnnClassifier}'s checkpointed fit: holds the folder's lock, resumes from its newest intact
 * checkpoint of the same params and data (else starts afresh, replacing what is there), and
 * checkpoints as the training job does.
 */
final class FitCheckpoints {
  private static final Logger LOG = Logger.getLogger(FitCheckpoints.class.getName());

  private FitCheckpoints() {}

  static List<EpochReport> fit(
      DistributedTrainer trainer,
      JavaRDD<ImageBlock> train,
      JavaRDD<ImageBlock> validation,
      String dir,
      int everySteps,
      int keep,
      Map<String, Object> identity,
      Configuration conf) {
    try (OutputLock lock = OutputLock.acquire(dir, conf)) {
      TrainingCheckpoints checkpoints =
          new TrainingCheckpoints(
              trainer.model(),
              new CheckpointStore(new Path(dir), conf, keep),
              everySteps,
              identity);
      ResumePoint from = ResumePoint.start();
      TrainingCheckpoints.Resumed r = null;
      try {
        r = checkpoints.resume();
      } catch (TrainingCheckpoints.CheckpointMismatchException e) {
        LOG.warning("spark-cnn CnnClassifier: starting afresh in " + dir + ": " + e.getMessage());
      }
      if (r != null) {
        r.skipped().forEach(s -> LOG.warning("spark-cnn CnnClassifier: " + s));
        LOG.info("spark-cnn CnnClassifier: resuming from " + r.from());
        from = r.point();
      } else {
        checkpoints.store().clear();
      }
      List<EpochReport> history =
          trainer.resumeFrom(from).checkpoints(checkpoints).fit(train, validation, null);
      lock.checkHeld();
      return history;
    } catch (IOException e) {
      throw new UncheckedIOException(StorageErrors.wrap(e, dir, "use the checkpoint folder"));
    }
  }
}
