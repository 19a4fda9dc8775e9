package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonException;
import org.sparkcnn.core.optim.Adam;

/** Job config parsing: defaults, --set overrides, and errors that name the key. */
class JobConfigTest {
  private static final String MINIMAL = "{\"model\": \"m.json\", \"train_data\": \"d/train\"}";

  private static JobConfig parse(String json, String... sets) {
    return JobConfig.parse(json, "conf/x.json", List.of(sets));
  }

  private static String error(String json, String... sets) {
    return assertThrows(JsonException.class, () -> parse(json, sets)).getMessage();
  }

  @Test
  void defaultsAreKerasLike() {
    JobConfig c = parse(MINIMAL);
    assertEquals(1, c.epochs());
    assertEquals(32, c.batchSize());
    assertTrue(c.shuffle());
    assertEquals(Map.of("name", "adam", "learning_rate", 0.001), c.optimizer());
    assertEquals("sparse_categorical_crossentropy", c.loss());
    assertEquals(1.0 / 255, c.rescale());
    assertEquals(0, c.partitions());
    assertEquals(0, c.validationSplit());
    assertEquals("auto", c.sync());
    assertNull(c.initWeights());
    assertEquals(JobConfig.SETTINGS.keySet(), c.effective().keySet(), "every key is logged");
    assertEquals(List.of("name", "learning_rate"), List.copyOf(c.optimizer().keySet()));
    assertEquals(
        "{\"name\":\"adam\",\"learning_rate\":0.001}",
        Json.writeCompact(c.effective().get("optimizer")),
        "the default optimizer prints in one order");
    assertNull(c.classNames(), "no class names: from the data");
    assertEquals(3, c.keepCheckpoints());
    assertEquals("auto", c.syncTopology());
  }

  @Test
  void theShippedQuickstartConfigParses() throws Exception {
    Path file = Path.of("../conf/fashion-mnist.json");
    JobConfig c = JobConfig.parse(Files.readString(file), file.toString(), List.of());
    assertEquals(10, c.classNames().size());
    assertEquals("data/fashion-mnist/train", c.trainData());
    assertEquals(0.001, ((Adam) c.buildOptimizer()).config().get("learning_rate"));
  }

  @Test
  void setOverridesParseJsonOrTakeStringsAndReachNestedKeys() {
    JobConfig c =
        parse(
            MINIMAL,
            "epochs=1",
            "shuffle=false",
            "output=runs/x y",
            "optimizer.learning_rate=0.01",
            "class_names=[\"a\",\"b\"]",
            "validation_split=0.25",
            "init_weights=null",
            "seed=7");
    assertEquals(1, c.epochs());
    assertTrue(!c.shuffle());
    assertEquals("runs/x y", c.output());
    assertEquals(0.01, c.optimizer().get("learning_rate"));
    assertEquals("adam", c.optimizer().get("name"));
    assertEquals(List.of("a", "b"), c.classNames());
    assertEquals(0.25, c.validationSplit());
    assertEquals(7, c.seed());
    JobConfig named =
        parse(
            "{\"model\": \"m\", \"train_data\": \"d\", \"optimizer\": \"sgd\"}",
            "optimizer.momentum=0.9");
    assertEquals(Map.of("name", "sgd", "momentum", 0.9), named.optimizer());
  }

  @Test
  void unknownKeysAreErrorsWithDidYouMean() {
    String m = error("{\"model\": \"m\", \"train_data\": \"d\", \"epoch\": 3}");
    assertTrue(
        m.contains("unknown field") && m.contains("'epoch'") && m.contains("did you mean 'epochs'"),
        m);
    String set = error(MINIMAL, "batchsize=8");
    assertTrue(set.contains("did you mean 'batch_size'"), set);
    assertTrue(set.startsWith("--set batchsize: unknown field"), "names its --set: " + set);
    String both = error("{\"model\": \"m\", \"train_data\": \"d\", \"epoch\": 3}", "seeed=1");
    assertTrue(both.startsWith("--set seeed: unknown field"), "the --set is named first: " + both);
    String nested = error(MINIMAL, "optimizer.learning_rat=0.1");
    assertTrue(nested.contains("optimizer") && nested.contains("learning_rat"), nested);
  }

  @Test
  void badValuesNameTheKeyAndWhereItCameFrom() {
    String epochs = error(MINIMAL, "epochs=0");
    assertTrue(
        epochs.contains("--set epochs field 'epochs'") && epochs.contains("a positive integer"),
        epochs);
    String batch = error("{\"model\": \"m\", \"train_data\": \"d\", \"batch_size\": \"32\"}");
    assertTrue(
        batch.contains("conf/x.json field 'batch_size'") && batch.contains("\"32\" (a string)"),
        batch);
    String split = error(MINIMAL, "validation_split=1.5");
    assertTrue(split.contains("'validation_split'") && split.contains("[0, 1)"), split);
    String both = error(MINIMAL, "validation_split=0.1", "validation_data=d/t10k");
    assertTrue(both.contains("validation_data and validation_split are both set"), both);
    String format = error(MINIMAL, "format=csv");
    assertTrue(format.contains("'format'") && format.contains("'idx'"), format);
    String missing = error("{\"model\": \"m\"}");
    assertTrue(missing.contains("field 'train_data': missing field"), missing);
    String optimizer = error(MINIMAL, "optimizer.name=rmsprop");
    assertTrue(optimizer.contains("optimizer") && optimizer.contains("rmsprop"), optimizer);
    String notAnOverride = error(MINIMAL, "epochs");
    assertTrue(notAnOverride.contains("expected: key=value"), notAnOverride);
  }
}
