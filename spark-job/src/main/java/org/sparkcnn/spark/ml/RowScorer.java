package org.sparkcnn.spark.ml;

import java.util.Iterator;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A {@link Scorer} over external {@link Row}s, for plans built with {@code
 * Dataset.mapPartitions} (the batched SQL functions, {@link BatchScoringRule}). Spark converts every row to a Row and
 * back, so {@link InternalRowScorer} is the faster one where the plan allows it.
 */
final class RowScorer extends Scorer<Row> {
  private final int keep;

  /** @param keep how many of the input's leading columns the output rows repeat */
  RowScorer(Iterator<Row> rows, Plan plan, float[] weights, int partition, int keep) {
    super(rows, plan, weights, partition);
    this.keep = keep;
  }

  @Override
  protected Row hold(Row row) {
    return row;
  }

  @Override
  protected void decode(Row row, Object entry, byte[] pixels) {
    plan.columns().decodeImage(row, entry, pixels, 0);
  }

  @Override
  protected Object id(Row row) {
    return row.get(plan.idIndex());
  }

  @Override
  protected Row output(Row r, int slot, String error) {
    int width = keep;
    String[] names = plan.classNames();
    Object[] values = new Object[width + (names == null ? 3 : 4)];
    for (int k = 0; k < width; k++) {
      values[k] = r.get(k);
    }
    int at = width;
    if (slot < 0) {
      values[at++] = null;
      values[at++] = null;
      if (names != null) {
        values[at++] = null;
      }
    } else {
      int best = prediction(slot);
      values[at++] = best;
      values[at++] = probability(slot);
      if (names != null) {
        values[at++] = names[best];
      }
    }
    values[at] = error;
    return RowFactory.create(values);
  }

  private Object probability(int slot) {
    float[] out = outputs();
    int base = outputOffset(slot);
    if (!plan.vectorProbability()) {
      float[] p = new float[classes];
      System.arraycopy(out, base, p, 0, classes);
      return p;
    }
    double[] p = new double[classes];
    for (int c = 0; c < classes; c++) {
      p[c] = out[base + c];
    }
    return Vectors.dense(p);
  }
}
