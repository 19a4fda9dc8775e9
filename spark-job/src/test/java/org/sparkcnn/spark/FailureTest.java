package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC;
import static org.sparkcnn.core.settings.TrainingSettings.TIMEOUT_SECONDS;

import java.time.Duration;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.SparkSessionTest.TaskSlots;

/**
 * A task that fails mid-epoch fails the fit promptly with the task's reason, in either sync mode,
 * instead of leaving the driver waiting; and data that cannot be trained on at all is refused
 * before any step.
 */
@TaskSlots(3)
class FailureTest extends SparkSessionTest {

  @ParameterizedTest
  @ValueSource(strings = {"driver-sync", "jobs"})
  void aTaskThatThrowsFailsTheFitWithItsReason(String sync) {
    List<ImageBlock> blocks = TestBlocks.blocks(3, 10, 9);
    // Bypass decoding-time validation: the second partition holds a label the model lacks.
    blocks.get(1).labels[4] = 7;
    JavaRDD<ImageBlock> data = jsc.parallelize(blocks, 2).cache();
    TrainerOptions options =
        TrainerOptions.defaults().with(BATCH_SIZE, 19).with(SYNC, sync).with(TIMEOUT_SECONDS, 60);
    Exception e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(120),
            () ->
                assertThrows(
                    RuntimeException.class,
                    () ->
                        new DistributedTrainer(jsc, TestBlocks.model(1), options)
                            .fit(data, null, null)));
    String all = e.getClass().getName() + ": " + messages(e);
    assertTrue(all.contains("label out of range") && all.contains("received: 7.0"), all);
  }

  @ParameterizedTest
  @ValueSource(strings = {"driver-sync", "jobs"})
  void emptyDataIsRefusedBeforeTraining(String sync) {
    List<ImageBlock> blocks = TestBlocks.blocks(3, 0, 0);
    JavaRDD<ImageBlock> data = jsc.parallelize(blocks, 2).cache();
    TrainerOptions options = TrainerOptions.defaults().with(SYNC, sync);
    Exception e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new DistributedTrainer(jsc, TestBlocks.model(1), options).fit(data, null, null));
    assertTrue(
        e.getMessage().contains("empty") && e.getMessage().contains("0 examples"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"driver-sync", "jobs"})
  void aPartitionWithNoRowsTrainsOnTheOthers(String sync) {
    List<ImageBlock> blocks = TestBlocks.blocks(3, 0, 12, 5);
    JavaRDD<ImageBlock> data = jsc.parallelize(blocks, 3).cache();
    TrainerOptions options = TrainerOptions.defaults().with(BATCH_SIZE, 6).with(SYNC, sync);
    List<EpochReport> h =
        assertTimeoutPreemptively(
            Duration.ofSeconds(120),
            () -> new DistributedTrainer(jsc, TestBlocks.model(1), options).fit(data, null, null));
    long examples = h.get(0).figures().examples();
    assertTrue(examples == 17, "examples " + examples);
  }

  private static String messages(Throwable t) {
    StringBuilder s = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      s.append(c.getMessage()).append(" | ");
    }
    return s.toString();
  }
}
