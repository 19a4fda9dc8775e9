package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.optim.Sgd;
import org.sparkcnn.core.tensor.Tensor;

class ProgressBarTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private long now;

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** 100 steps, 20 ms each; the loss falls from 2.0 by 0.01 per step. */
  private void runEpoch(ProgressBar bar) {
    bar.epochStart(1, 3, 100);
    for (int s = 1; s <= 100; s++) {
      now += 20_000_000L;
      bar.step(s, 2.0 - 0.01 * s, 0.5);
    }
    bar.epochEnd("Epoch 1/3 - 2.0s - loss: 1.5000");
  }

  @Test
  void terminalRedrawsOneBarAtMostTenTimesASecond() {
    runEpoch(new ProgressBar(1, true, out, () -> now));
    String t = text();
    assertTrue(t.startsWith("Epoch 1/3\n"), t);
    String[] draws = t.substring("Epoch 1/3\n".length()).split("\r", -1);
    // 2 s of steps at one redraw per 100 ms: 20 redraws (the last one at step 100 included).
    assertEquals(21, draws.length, t);
    assertTrue(draws[1].startsWith("  5/100 [>...."), draws[1]);
    assertTrue(draws[1].contains("- 0s - ETA: 2s - loss: 1.9500 - accuracy: 0.5000"), draws[1]);
    String last = draws[draws.length - 1];
    assertTrue(
        last.startsWith("100/100 [==============================] - 2s - loss: 1.0000"), last);
    assertTrue(
        last.endsWith("\nEpoch 1/3 - 2.0s - loss: 1.5000\n"), "summary on its own line: " + last);
  }

  @Test
  void withoutTerminalPlainLinesEveryFewSeconds() {
    ProgressBar bar = new ProgressBar(1, false, out, () -> now);
    bar.epochStart(1, 1, 1000);
    for (int s = 1; s <= 1000; s++) {
      now += 20_000_000L; // 20 s in all
      bar.step(s, 1.0, Double.NaN);
    }
    bar.epochEnd("Epoch 1/1 - 20.0s - loss: 1.0000");
    List<String> lines = text().lines().toList();
    assertTrue(!text().contains("\r"), "no redraws in a log");
    // One line per 5 s: at 5, 10, 15 and 20 s; then the summary.
    assertEquals(
        List.of(
            "Epoch 1/1",
            " 250/1000 - 5s - ETA: 15s - loss: 1.0000",
            " 500/1000 - 10s - ETA: 10s - loss: 1.0000",
            " 750/1000 - 15s - ETA: 5s - loss: 1.0000",
            "1000/1000 - 20s - loss: 1.0000",
            "Epoch 1/1 - 20.0s - loss: 1.0000"),
        lines);
  }

  @Test
  void verboseTwoPrintsTheSummaryOnlyAndZeroNothing() {
    runEpoch(new ProgressBar(2, true, out, () -> now));
    assertEquals("Epoch 1/3 - 2.0s - loss: 1.5000\n", text());
    bytes.reset();
    runEpoch(new ProgressBar(0, true, out, () -> now));
    assertEquals("", text());
    assertThrows(IllegalArgumentException.class, () -> new ProgressBar(3, true, out, () -> now));
  }

  @Test
  void fitPrintsThroughItsProgressBar() {
    Sequential m =
        new Sequential()
            .add(new Dense(2, "softmax").inputShape(3))
            .seed(1)
            .compile("sparse_categorical_crossentropy", new Sgd(0.1), "accuracy");
    Tensor x = new Tensor(new float[30], 10, 3);
    Tensor y = Tensor.labels(new int[10]);
    m.fit(
        x,
        y,
        new FitOptions()
            .epochs(2)
            .batchSize(4)
            .progress(new ProgressBar(1, true, out, () -> now += 200_000_000L)));
    String t = text();
    assertTrue(t.contains("Epoch 1/2\n") && t.contains("Epoch 2/2\n"), t);
    assertTrue(t.contains("3/3 [==============================]"), t);
    assertTrue(t.contains("Epoch 2/2 - ") && t.contains("accuracy: 1.0000"), t);
  }
}
