package org.sparkcnn.spark;

import java.util.concurrent.ConcurrentHashMap;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.Sequential;

/**
 * One compiled model per spec per executor JVM, shared by its task threads (a Sequential's gradient
 * and forward passes are thread-safe: each thread gets its own workspace). Built from the spec
 * once, not once per task or step.
 */
final class ExecutorModels {
  private static final ConcurrentHashMap<String, Sequential> MODELS = new ConcurrentHashMap<>();

  private ExecutorModels() {}

  static Sequential get(TrainingPlan plan) {
    String key = plan.loss() + "|" + plan.accuracy() + "|" + plan.modelSpec();
    return MODELS.computeIfAbsent(
        key,
        k -> {
          Sequential m = ModelSpec.fromJson(plan.modelSpec(), "model spec");
          return plan.accuracy()
              ? m.compile(plan.loss(), null, "accuracy")
              : m.compile(plan.loss(), null);
        });
  }
}
