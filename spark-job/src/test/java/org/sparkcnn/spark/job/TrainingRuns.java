package org.sparkcnn.spark.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.spark.testing.LocalSpark;
import org.sparkcnn.spark.testing.TestImages;

/**
 * What the training-job tests run on: a folder holding {@code data/train} (IDX images of 4 classes)
 * and {@code model.json}, and job configs over them.
 */
final class TrainingRuns {
  private TrainingRuns() {}

  /**
   * Writes {@code rows} random {@code size} x {@code size} images in 4 classes to {@code
   * dir/data/train} and {@link LocalSpark#model}'s spec for them to {@code dir/model.json}.
   */
  static void write(Path dir, int rows, int size, long seed, boolean gzip) throws IOException {
    TestImages.generate(rows, size, 4, seed).writeIdx(dir.resolve("data/train"), gzip);
    Files.writeString(dir.resolve("model.json"), ModelSpec.toJson(LocalSpark.model(size, 1, 4, 0)));
  }

  /**
   * A config training {@code dir}'s model.json on its data/train into {@code output}, with the
   * other keys {@code members} (JSON object members, e.g. {@code "epochs": 2, "seed": 1}), then
   * {@code sets} applied as --set.
   */
  static JobConfig config(Path dir, String members, String output, String... sets) {
    String json =
        "{\"model\": "
            + Json.writeCompact(dir.resolve("model.json").toString())
            + ", \"train_data\": "
            + Json.writeCompact(dir.resolve("data/train").toString())
            + ", "
            + members
            + ", \"output\": "
            + Json.writeCompact(output)
            + "}";
    return JobConfig.parse(json, "test", List.of(sets));
  }

  /**
   * What {@code scripts/evaluate --model MODEL --data DATA MORE...} prints as JSON, run on {@code
   * spark}.
   */
  static Map<String, Object> evaluate(SparkSession spark, Path model, Path data, String... more) {
    List<String> args =
        new ArrayList<>(List.of("--model", model.toString(), "--data", data.toString()));
    args.addAll(List.of(more));
    return EvaluateJob.run(spark, EvaluateJob.Args.parse(args.toArray(new String[0])));
  }
}
