package org.sparkcnn.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.ResumePoint;
import org.sparkcnn.spark.testing.LocalSpark;

/**
 * A run's identity decides which checkpoints it may resume from; equal settings must be equal
 * whatever order their maps iterate in. (Map.of, which the config's defaults use, iterates in an
 * order chosen anew by each JVM: a driver killed and started again saw its own checkpoint as "a
 * different training run".)
 */
class TrainingCheckpointsTest {
  @TempDir Path tmp;

  private static Map<String, Object> identity(String first, Object a, String second, Object b) {
    Map<String, Object> optimizer = new LinkedHashMap<>();
    optimizer.put(first, a);
    optimizer.put(second, b);
    Map<String, Object> id = new LinkedHashMap<>();
    id.put("seed", 5L);
    id.put("optimizer", optimizer);
    id.put("metrics", List.of("accuracy"));
    return id;
  }

  private TrainingCheckpoints checkpoints(Sequential model, Map<String, Object> identity) {
    CheckpointStore store =
        new CheckpointStore(
            new org.apache.hadoop.fs.Path(tmp.resolve("ckpt").toString()), new Configuration(), 2);
    return new TrainingCheckpoints(model, store, 0, identity);
  }

  @Test
  void aCheckpointIsRecognisedWhateverTheOrderOfItsSettingsMaps() throws Exception {
    Sequential model = LocalSpark.model(6, 1, 3, 1);
    TrainingCheckpoints written =
        checkpoints(model, identity("name", "adam", "learning_rate", 0.001));
    written.save(ResumePoint.start());

    TrainingCheckpoints reordered =
        checkpoints(LocalSpark.model(6, 1, 3, 2), identity("learning_rate", 0.001, "name", "adam"));
    assertEquals(written.identityHash(), reordered.identityHash());
    assertNotNull(reordered.resume(), "the same training, in another JVM's map order");

    TrainingCheckpoints other =
        checkpoints(LocalSpark.model(6, 1, 3, 2), identity("learning_rate", 0.01, "name", "adam"));
    assertNotEquals(written.identityHash(), other.identityHash());
    String m =
        assertThrows(TrainingCheckpoints.CheckpointMismatchException.class, other::resume)
            .getMessage();
    assertTrue(m.contains("optimizer: {\"learning_rate\":0.001,\"name\":\"adam\"} -> "), m);
  }
}
