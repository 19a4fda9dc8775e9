package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The job mains' command lines (picocli, declared in {@link JobCommands}). */
class JobCommandLinesTest {

  @Test
  void trainTakesKerasStyleShortcutsForSet() {
    TrainJob.Args a =
        TrainJob.Args.parse(
            new String[] {
              "--set",
              "seed=1",
              "--config",
              "c.json",
              "--epochs",
              "3",
              "--batch-size=64",
              "--resume"
            });
    assertEquals("c.json", a.config());
    assertEquals(List.of("resume=true", "epochs=3", "batch_size=64", "seed=1"), a.sets());
    String m =
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainJob.Args.parse(new String[] {"--config", "c.json", "--epochs"}))
            .getMessage();
    assertTrue(m.contains("--epochs needs a value") && m.contains("--set epochs=VALUE"), m);
    String missing =
        assertThrows(IllegalArgumentException.class, () -> TrainJob.Args.parse(new String[] {}))
            .getMessage();
    assertTrue(missing.startsWith("missing --config"), missing);
    assertNull(TrainJob.Args.parse(new String[] {"--config", "c.json", "--help"}));
  }

  @Test
  void helpListsEveryOptionOfEachMain() {
    assertTrue(TrainJob.usage().contains("--config=FILE"), TrainJob.usage());
    for (String option : List.of("--model", "--data", "--label-mode", "--report")) {
      assertTrue(EvaluateJob.usage().contains(option), option);
    }
    for (String option : List.of("--input", "--output", "--row-group-size", "--drop-image")) {
      assertTrue(ScoreJob.usage().contains(option), option);
    }
    String unknown =
        assertThrows(
                IllegalArgumentException.class,
                () -> EvaluateJob.Args.parse(new String[] {"--model", "m", "--data", "d", "--x"}))
            .getMessage();
    assertTrue(unknown.startsWith("unknown argument; received: --x"), unknown);
  }
}
