package org.sparkcnn.spark.ml;

import java.util.concurrent.ConcurrentHashMap;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.Sequential;

/**
 * One model per spec per executor JVM for scoring, shared by its task threads (predictBatch is
 * thread-safe); built once, not per task or per batch. Weights travel separately (broadcast).
 */
final class ScoringModels {
  private static final ConcurrentHashMap<String, Sequential> MODELS = new ConcurrentHashMap<>();

  private ScoringModels() {}

  static Sequential get(String spec) {
    return MODELS.computeIfAbsent(
        spec,
        s -> ModelSpec.fromJson(s, "model spec").compile("sparse_categorical_crossentropy", null));
  }
}
