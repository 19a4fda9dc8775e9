package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.spark.DivergenceGuard.TrainingDivergedException;
import org.sparkcnn.spark.testing.SparkSessionTest;
import org.sparkcnn.spark.testing.TestImages;

/**
 * A diverging run stops at the step where the loss or gradient goes bad, named in the error, and
 * publishes nothing. The expected step comes from the same run with the guard off, observed step by
 * step: the first step whose loss or gradient norm is not finite (or whose loss exceeds max_loss).
 */
class DivergenceStopTest extends SparkSessionTest {
  private static final int SIZE = 8;
  private static final int STEPS_PER_EPOCH = 10;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    TrainingRuns.write(tmp, 160, SIZE, 21, false);
    // The seed model (Conv32-Pool-Conv64-Pool-Dense64-Dense10) on 28 x 28 images: deep enough for
    // SGD at learning rate 1e6 to overflow to NaN, as it does on Fashion-MNIST.
    TestImages.generate(160, 28, 4, 22).writeIdx(tmp.resolve("data/train28"), false);
  }

  private static JobConfig config(String output, String optimizer, String... sets) {
    return TrainingRuns.config(
        tmp,
        "\"epochs\": 2, \"batch_size\": 16, \"seed\": 1, \"checkpoint_every_steps\": 0,"
            + " \"optimizer\": "
            + optimizer,
        tmp.resolve(output).toString(),
        sets);
  }

  /** Loss and gradient norm of every step of an unguarded run, until it fails or ends. */
  private static List<double[]> observeUnguarded(String output, String optimizer, String... sets) {
    List<double[]> steps = new ArrayList<>();
    List<String> all = new ArrayList<>(List.of(sets));
    all.add("terminate_on_nan=false");
    try {
      TrainJob.run(
          spark,
          config(output, optimizer, all.toArray(new String[0])),
          (epoch, step, global, loss, norm) -> steps.add(new double[] {global, loss, norm}));
    } catch (Exception e) {
      // Diverged weights cannot be checkpointed or published: the unguarded run fails later.
    }
    return steps;
  }

  @Test
  void nanStopsAtTheFirstStepWithANonFiniteLossOrGradient() throws Exception {
    String sgd = "{\"name\": \"sgd\", \"learning_rate\": 1e6}";
    String[] seedModel = {
      "model=" + Path.of("../conf/models/fashion-mnist-cnn.json").toAbsolutePath(),
      "train_data=" + tmp.resolve("data/train28")
    };
    List<double[]> steps = observeUnguarded("nan-observed", sgd, seedModel);
    int first = -1;
    for (int i = 0; i < steps.size() && first < 0; i++) {
      if (!Double.isFinite(steps.get(i)[1]) || !Double.isFinite(steps.get(i)[2])) {
        first = i;
      }
    }
    assertTrue(first > 0, "SGD at 1e6 diverges within the run, after a finite first step");

    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> TrainJob.run(spark, config("nan", sgd, seedModel)));
    assertEquals(first / STEPS_PER_EPOCH, e.epoch());
    assertEquals(first % STEPS_PER_EPOCH, e.step());
    String expected =
        "training diverged in epoch "
            + (first / STEPS_PER_EPOCH + 1)
            + ", step "
            + (first % STEPS_PER_EPOCH + 1)
            + " of "
            + STEPS_PER_EPOCH;
    assertTrue(e.getMessage().startsWith(expected), e.getMessage() + " / " + expected);
    assertTrue(e.getMessage().contains("not finite"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("nan/model")), "diverged weights are never published");
  }

  @Test
  void maxLossStopsAtTheFirstStepAboveIt() throws Exception {
    String adam = "{\"name\": \"adam\", \"learning_rate\": 1e3}";
    List<double[]> steps = observeUnguarded("loss-observed", adam);
    double limit = 5;
    int first = -1;
    for (int i = 0; i < steps.size() && first < 0; i++) {
      if (steps.get(i)[1] > limit) {
        first = i;
      }
    }
    assertTrue(first > 0, "Adam at 1e3 exceeds a loss of 5 after a first step below it");

    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> TrainJob.run(spark, config("max-loss", adam, "max_loss=5")));
    assertEquals(first, e.epoch() * STEPS_PER_EPOCH + e.step());
    assertEquals(steps.get(first)[1], e.value(), "the value named is the step's loss");
    assertTrue(e.getMessage().contains("exceeds max_loss 5.0"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("max-loss/model")));
  }
}
