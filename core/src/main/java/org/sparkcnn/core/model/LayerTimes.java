package org.sparkcnn.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Optional per-step timing of every node of a model's plan (forward and backward), summed over
 * threads, for benchmarks. Off by default; {@code -Dsparkcnn.profile=true} turns it on. The flag is
 * a static final, so when it is off the JIT folds the timing code away and it costs nothing. Nodes
 * are named after their layer ("conv2d"), activations after the layer they follow ("conv2d.relu"),
 * the loss "loss"; models with the same layer names share entries.
 */
public final class LayerTimes {
  public static final String PROPERTY = "sparkcnn.profile";
  static final boolean ENABLED = Boolean.getBoolean(PROPERTY);
  private static final Map<String, LongAdder[]> TIMES = new LinkedHashMap<>();

  private LayerTimes() {}

  public static boolean enabled() {
    return ENABLED;
  }

  /** The [forward, backward] counters of a node, created on first use (not per step). */
  static synchronized LongAdder[] counters(String node) {
    return TIMES.computeIfAbsent(node, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
  }

  /** Nanoseconds per node, {forward, backward}, in plan order, since the last reset. */
  public static synchronized Map<String, long[]> snapshot() {
    Map<String, long[]> out = new LinkedHashMap<>();
    TIMES.forEach((k, v) -> out.put(k, new long[] {v[0].sum(), v[1].sum()}));
    return out;
  }

  public static synchronized void reset() {
    TIMES
        .values()
        .forEach(
            v -> {
              v[0].reset();
              v[1].reset();
            });
  }
}
