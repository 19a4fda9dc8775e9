package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.model.ProgressBar;
import org.sparkcnn.spark.testing.SparkSessionTest;

/**
 * The progress a Spark training run prints (driver-sync on local[2]), as a log file sees it: no
 * terminal, so plain lines instead of redraws. The bar's clock is a test clock that moves 6 s per
 * reading, past the plain interval (5 s), so every step prints its line.
 */
class TrainProgressTest extends SparkSessionTest {
  private static final int SIZE = 8;
  // 80 rows, validation_split 0.2: 64 training rows, 4 steps per epoch at batch 16.
  private static final int STEPS = 4;
  private static final String FIGURE = "(\\d+\\.\\d{4})";

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    TrainingRuns.write(tmp, 80, SIZE, 3, true);
  }

  /** What the run printed on its progress bar, one entry per line. */
  private static List<String> train(int verbose) throws Exception {
    JobConfig config =
        TrainingRuns.config(
            tmp,
            "\"validation_split\": 0.2, \"epochs\": 2, \"batch_size\": 16, \"sync\":"
                + " \"driver-sync\", \"tensorboard\": false, \"verbose\": "
                + verbose,
            tmp.resolve("run-" + verbose).toString());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    AtomicLong clock = new AtomicLong();
    ProgressBar bar =
        new ProgressBar(
            verbose,
            false,
            new PrintStream(printed, true, StandardCharsets.UTF_8),
            () -> clock.addAndGet(6_000_000_000L));
    TrainJob.run(spark, config, null, bar);
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(!text.contains("\r") && !text.contains("["), "no redraws in a log:\n" + text);
    return text.lines().toList();
  }

  private static Pattern summary(int epoch) {
    return Pattern.compile(
        "Epoch "
            + epoch
            + "/2 - [\\d.]+s - \\d+ images/s - .* - loss: "
            + FIGURE
            + " - accuracy: "
            + FIGURE
            + " - val_loss: "
            + FIGURE
            + " - val_accuracy: "
            + FIGURE);
  }

  @Test
  void verboseOneWithoutATerminalPrintsPlainStepLinesThenTheSummary() throws Exception {
    List<String> lines = train(1);
    assertEquals(2 * (1 + STEPS + 1), lines.size(), String.join("\n", lines));
    for (int epoch = 1; epoch <= 2; epoch++) {
      int at = (epoch - 1) * (STEPS + 2);
      assertEquals("Epoch " + epoch + "/2", lines.get(at));
      Matcher step = null;
      for (int k = 1; k <= STEPS; k++) {
        // The clock moved 6 s per step: elapsed 6k s, ETA 6 s per step left.
        String expected =
            k
                + "/"
                + STEPS
                + " - "
                + 6 * k
                + "s"
                + (k < STEPS ? " - ETA: " + 6 * (STEPS - k) + "s" : "");
        step =
            Pattern.compile(
                    Pattern.quote(expected) + " - loss: " + FIGURE + " - accuracy: " + FIGURE)
                .matcher(lines.get(at + k));
        assertTrue(step.matches(), "step line " + k + ": " + lines.get(at + k));
      }
      Matcher end = summary(epoch).matcher(lines.get(at + STEPS + 1));
      assertTrue(end.matches(), "summary: " + lines.get(at + STEPS + 1));
      // The last step line's running figures are the epoch's.
      assertEquals(step.group(1), end.group(1), "loss");
      assertEquals(step.group(2), end.group(2), "accuracy");
    }
  }

  @Test
  void verboseTwoPrintsOnlyTheSummaryPerEpoch() throws Exception {
    List<String> lines = train(2);
    assertEquals(2, lines.size(), String.join("\n", lines));
    assertTrue(summary(1).matcher(lines.get(0)).matches(), lines.get(0));
    assertTrue(summary(2).matcher(lines.get(1)).matches(), lines.get(1));
  }
}
