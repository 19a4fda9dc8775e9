package org.sparkcnn.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.model.BatchStats;

/**
 * Where a distributed fit stands between two steps, besides the weights and the optimizer state
 * (which the model holds): the epoch in progress, how many of its steps are done, the global step,
 * the epoch's statistics so far and the finished epochs' reports. The shuffle order and the dropout
 * masks are functions of (seed, epoch, partition) and (seed, global step) ({@link BatchPlan}), so
 * these counters are the random generators' whole position.
 *
 * @param epoch the epoch in progress, from 0; equal to the number of finished epochs
 * @param step steps of that epoch already applied
 * @param globalStep steps applied since the run began
 * @param epochStats loss and accuracy sums of the epoch's applied steps, added in step and
 *     partition order
 * @param history the finished epochs
 */
public record ResumePoint(
    int epoch, int step, long globalStep, BatchStats epochStats, List<EpochReport> history) {

  public ResumePoint {
    history = List.copyOf(history);
  }

  /** The start of a fresh run. */
  public static ResumePoint start() {
    return new ResumePoint(0, 0, 0, BatchStats.EMPTY, List.of());
  }

  /** As JSON values (doubles are written so that they read back bit for bit). */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epoch", (long) epoch);
    m.put("step", (long) step);
    m.put("global_step", globalStep);
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("loss_sum", epochStats.lossSum());
    s.put("count", epochStats.count());
    s.put("correct", epochStats.correct());
    m.put("epoch_stats", s);
    List<Object> h = new ArrayList<>();
    for (EpochReport r : history) {
      h.add(r.toJson());
    }
    m.put("history", h);
    return m;
  }

  public static ResumePoint fromJson(Map<String, Object> m, String source) {
    Map<String, Object> s = JsonFields.getObject(m, "epoch_stats", source);
    List<EpochReport> history = new ArrayList<>();
    for (Map<String, Object> r : JsonFields.getObjectList(m, "history", source)) {
      history.add(EpochReport.fromJson(r, source + " history"));
    }
    return new ResumePoint(
        JsonFields.getInt(m, "epoch", source),
        JsonFields.getInt(m, "step", source),
        JsonFields.getLong(m, "global_step", source),
        new BatchStats(
            JsonFields.getDouble(s, "loss_sum", source),
            JsonFields.getLong(s, "count", source),
            JsonFields.getDouble(s, "correct", source)),
        history);
  }
}
