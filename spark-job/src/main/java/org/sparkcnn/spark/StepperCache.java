package org.sparkcnn.spark;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps each partition's {@link PartitionStepper} (its epoch order and batch buffers) alive across
 * the one-job-per-step runner's tasks in an executor JVM, so steps do not rebuild them. Bounded:
 * old training runs' entries fall out.
 */
final class StepperCache {
  private static final int MAX_ENTRIES = 256;
  private static final Map<Object, PartitionStepper> CACHE =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, PartitionStepper> eldest) {
          return size() > MAX_ENTRIES;
        }
      };

  private StepperCache() {}

  static synchronized PartitionStepper get(TrainingPlan plan, ImageBlock block, int partition) {
    record Key(TrainingPlan plan, ImageBlock block, int partition) {}
    // Identity of the cached block matters: a recomputed partition is a new block object.
    return CACHE.computeIfAbsent(
        new Key(plan, block, partition), k -> new PartitionStepper(plan, block, partition));
  }
}
