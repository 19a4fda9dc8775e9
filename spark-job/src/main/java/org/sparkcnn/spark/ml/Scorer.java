package org.sparkcnn.spark.ml;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.data.ImageColumns;

/**
 * Scores one partition's rows in batches: decodes each batch's images to uint8, scales them to
 * model inputs, runs one forward pass, and appends the prediction (argmax, int) and the model's
 * outputs (an ML DenseVector; class probabilities for a softmax output) to every input row.
 * Rows stream through: one batch in memory at a time.
 */
final class Scorer implements Iterator<Row> {
  private final Iterator<Row> rows;
  private final ImageColumns columns;
  private final Sequential model;
  private final float[] weights;
  private final int batch;
  private final byte[] pixels;
  private final float[] x;
  private final float[] out;
  private final float scale;
  private final List<Row> pending = new ArrayList<>();
  private int next;
  private long seen;

  Scorer(Iterator<Row> rows, ImageColumns columns, Sequential model, float[] weights, int batch) {
    this.rows = rows;
    this.columns = columns;
    this.model = model;
    this.weights = weights;
    this.batch = batch;
    int size = columns.input().imageSize();
    this.pixels = new byte[size];
    this.x = new float[batch * size];
    this.out = new float[batch * columns.input().classes()];
    this.scale = (float) columns.input().rescale();
  }

  @Override
  public boolean hasNext() {
    if (next < pending.size()) {
      return true;
    }
    if (!rows.hasNext()) {
      return false;
    }
    fill();
    return true;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return pending.get(next++);
  }

  private void fill() {
    List<Row> in = new ArrayList<>(batch);
    int size = columns.input().imageSize();
    while (in.size() < batch && rows.hasNext()) {
      Row r = rows.next();
      // Row numbers in errors count within this partition: scoring keeps no global order.
      columns.decodeImage(r, seen++, pixels, 0);
      int base = in.size() * size;
      for (int k = 0; k < size; k++) {
        x[base + k] = (pixels[k] & 0xFF) * scale;
      }
      in.add(r);
    }
    int n = in.size();
    int classes = columns.input().classes();
    model.predictBatch(weights, x, n, out, 0);
    pending.clear();
    next = 0;
    for (int i = 0; i < n; i++) {
      double[] p = new double[classes];
      int best = 0;
      for (int c = 0; c < classes; c++) {
        p[c] = out[i * classes + c];
        if (p[c] > p[best]) {
          best = c;
        }
      }
      Row r = in.get(i);
      Object[] values = new Object[r.size() + 2];
      for (int k = 0; k < r.size(); k++) {
        values[k] = r.get(k);
      }
      values[r.size()] = best;
      values[r.size() + 1] = Vectors.dense(p);
      pending.add(RowFactory.create(values));
    }
  }
}
