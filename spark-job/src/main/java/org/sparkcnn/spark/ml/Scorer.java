package org.sparkcnn.spark.ml;

import java.io.Serializable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.logging.Logger;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.data.ImageColumns;

/**
 * Scores one partition's rows in batches, streaming: at most one batch of input rows is held at a
 * time, and the image, input and output buffers are allocated once per partition.
 *
 * <p>Per batch: each row's image is decoded to uint8 (same rules as training, {@link
 * ImageColumns}) and scaled into the next free slot of the input buffer; a row that cannot be
 * decoded (null, corrupt, wrong size, NaN, ...) gets no slot and keeps its error text. One
 * forward pass ({@link Sequential#predictBatch}) scores the good rows; then every row comes out
 * in input order with its input values followed by
 *
 * <ul>
 *   <li>prediction: argmax of the outputs (Integer), null for a bad row;
 *   <li>probability: the outputs as an ML DenseVector, null for a bad row;
 *   <li>predicted label: class name of the prediction, only when the plan has class names;
 *   <li>error: null for a good row, else the problem (what, where, received, expected).
 * </ul>
 *
 * <p>In strict mode the first bad row fails the task instead, naming the partition, the row's
 * index within the partition and its id column when one is set.
 */
final class Scorer implements Iterator<Row> {
  private static final Logger LOG = Logger.getLogger(Scorer.class.getName());

  /**
   * What every task needs besides the weights (which are broadcast): serialized with the task.
   *
   * @param spec the Keras model spec, the key of the per-JVM model cache
   * @param columns the image column, checked against the input schema on the driver
   * @param classNames class names in label order, or null (then no label column)
   * @param batch rows per forward pass
   * @param strict fail on the first bad row instead of reporting it in the error column
   * @param idIndex index of the id column named in strict-mode errors, or -1
   * @param idCol name of that column, or null
   */
  record Plan(String spec, ImageColumns columns, String[] classNames, int batch, boolean strict,
      int idIndex, String idCol) implements Serializable {}

  private final Iterator<Row> rows;
  private final Plan plan;
  private final Sequential model;
  private final float[] weights;
  private final int partition;
  private final int imageSize;
  private final int classes;
  private final float scale;
  private final byte[] pixels;
  private final float[] x;
  private final float[] out;
  // The current batch: input rows, each row's slot in x/out (-1 for a bad row), errors.
  private final Row[] batchRows;
  private final int[] slots;
  private final String[] errors;
  private int size;
  private int next;
  private long seen;
  private long failed;
  private String firstError;
  private boolean reported;

  Scorer(Iterator<Row> rows, Plan plan, float[] weights, int partition) {
    this.rows = rows;
    this.plan = plan;
    this.model = ScoringModels.get(plan.spec());
    this.weights = weights;
    this.partition = partition;
    this.imageSize = plan.columns().input().imageSize();
    this.classes = plan.columns().input().classes();
    this.scale = (float) plan.columns().input().rescale();
    this.pixels = new byte[imageSize];
    this.x = new float[plan.batch() * imageSize];
    this.out = new float[plan.batch() * classes];
    this.batchRows = new Row[plan.batch()];
    this.slots = new int[plan.batch()];
    this.errors = new String[plan.batch()];
  }

  @Override
  public boolean hasNext() {
    if (next < size) {
      return true;
    }
    if (!rows.hasNext()) {
      report();
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
    int i = next++;
    Row r = batchRows[i];
    batchRows[i] = null;
    return output(r, slots[i], errors[i]);
  }

  private void fill() {
    size = 0;
    next = 0;
    int good = 0;
    while (size < plan.batch() && rows.hasNext()) {
      Row r = rows.next();
      long index = seen++;
      batchRows[size] = r;
      errors[size] = null;
      slots[size] = -1;
      try {
        plan.columns().decodeImage(r, "partition " + partition + ", row " + index, pixels, 0);
        int base = good * imageSize;
        for (int k = 0; k < imageSize; k++) {
          x[base + k] = (pixels[k] & 0xFF) * scale;
        }
        slots[size] = good++;
      } catch (RuntimeException e) {
        // Anything a row's value can cause: our DatasetException, or a malformed struct's
        // ClassCastException; never an error of the model or of Spark (those are not caught).
        String message = e instanceof DatasetException ? e.getMessage() : e.toString();
        if (plan.strict()) {
          throw strictFailure(r, index, message, e);
        }
        errors[size] = message;
        failed++;
        if (firstError == null) {
          firstError = message;
        }
      }
      size++;
    }
    if (good > 0) {
      model.predictBatch(weights, x, good, out, 0);
    }
  }

  private Row output(Row r, int slot, String error) {
    int width = r.size();
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
      double[] p = new double[classes];
      int base = slot * classes;
      int best = 0;
      for (int c = 0; c < classes; c++) {
        p[c] = out[base + c];
        if (p[c] > p[best]) {
          best = c;
        }
      }
      values[at++] = best;
      values[at++] = Vectors.dense(p);
      if (names != null) {
        values[at++] = names[best];
      }
    }
    values[at] = error;
    return RowFactory.create(values);
  }

  private DatasetException strictFailure(Row r, long index, String message, Throwable cause) {
    String id = plan.idIndex() < 0 ? "" : ", " + plan.idCol() + " = " + r.get(plan.idIndex());
    return DatasetException.in("scoring input")
        .at("partition " + partition + ", row " + index + id)
        .problem("Bad row in strict mode")
        .received(message)
        .expected("an image the model accepts in every row")
        .hint("without strict mode bad rows are kept with a null prediction and the problem in "
            + "the error column.")
        .cause(cause).build();
  }

  private void report() {
    if (!reported && failed > 0) {
      LOG.warning("partition " + partition + ": " + failed + " of " + seen + " rows could not be "
          + "scored (null prediction, see the error column); first: " + firstError);
    }
    reported = true;
  }
}
