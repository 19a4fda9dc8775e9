package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

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

  /**
   * picocli wraps at any line-break opportunity, including after a dot inside a word ("report.\n
   * html"): every word of every description, option and footer must reach the help unbroken.
   */
  @Test
  void helpNeverBreaksAWord() {
    Map<Object, String> helps =
        Map.of(
            new JobCommands.Train(), TrainJob.usage(),
            new JobCommands.Evaluate(), EvaluateJob.usage(),
            new JobCommands.Score(), ScoreJob.usage());
    helps.forEach(
        (command, help) -> {
          CommandSpec spec = new CommandLine(command).getCommandSpec();
          List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
          texts.addAll(List.of(spec.usageMessage().footer()));
          spec.options().forEach(o -> texts.addAll(List.of(o.description())));
          Set<String> printed = new HashSet<>(List.of(help.split("\\s+")));
          for (String text : texts) {
            for (String word : text.replace("%n", " ").trim().split("\\s+")) {
              assertTrue(printed.contains(word), "'" + word + "' is broken in:\n" + help);
            }
          }
          assertTrue(texts.size() > 3, "the texts are found: " + texts);
        });
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
