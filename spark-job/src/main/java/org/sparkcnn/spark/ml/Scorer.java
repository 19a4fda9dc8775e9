package org.sparkcnn.spark.ml;

import java.io.Serializable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.logging.Logger;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.data.ImageColumns;

/**
 * Scores one partition's rows in batches, streaming: at most one batch of input rows is held at a
 * time, and the image, input and output buffers are allocated once per partition. The row format is
 * the subclass's: {@link InternalRowScorer}, Spark's internal rows, for {@code transform} and the
 * batched SQL functions alike.
 *
 * <p>Per batch: each row's image is decoded to uint8 (same rules as training, {@link ImageColumns})
 * and scaled into the next free slot of the input buffer; a row that cannot be decoded (null,
 * corrupt, wrong size, NaN, ...) gets no slot and keeps its error text. One forward pass ({@link
 * Sequential#predictBatch}) scores the good rows; then every row comes out in input order with its
 * input values followed by
 *
 * <ul>
 *   <li>prediction: the predicted class (argmax, or p &gt; 0.5 for one sigmoid output; per label
 *       for a multi-label model), null for a bad row;
 *   <li>probability: the class probabilities (an ML vector or array&lt;float&gt;), null for a bad
 *       row;
 *   <li>rawPrediction: the last layer's values before its final activation, when the plan asks for
 *       them; null for a bad row;
 *   <li>predicted label: class name of the prediction, only when the plan has class names;
 *   <li>error: null for a good row, else the problem (what, where, received, expected).
 * </ul>
 *
 * <p>What these are for each kind of model (softmax, one sigmoid output, several) is {@link
 * OutputKind}'s table.
 *
 * <p>In strict mode the first bad row fails the task instead, naming the partition, the row's index
 * within the partition and its id column when one is set.
 *
 * @param <R> the row type
 */
abstract class Scorer<R> implements Iterator<R> {
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
   * @param vectorProbability probability and rawPrediction as ML DenseVectors (Spark ML's
   *     convention), else as array&lt;float&gt; (the SQL functions')
   * @param rawPrediction whether the output has a rawPrediction field (after probability)
   */
  record Plan(
      String spec,
      ImageColumns columns,
      String[] classNames,
      int batch,
      boolean strict,
      int idIndex,
      String idCol,
      boolean vectorProbability,
      boolean rawPrediction)
      implements Serializable {}

  protected final Plan plan;
  protected final OutputKind kind;
  protected final int outputs;
  private final Iterator<R> rows;
  private final Sequential model;
  private final float[] weights;
  private final int partition;
  private final int imageSize;
  private final float scale;
  private final byte[] pixels;
  private final float[] x;
  private final float[] out;
  private final float[] logits;
  // The current batch: input rows, each row's slot in x/out (-1 for a bad row), errors.
  private final Object[] batchRows;
  private final int[] slots;
  private final String[] errors;
  private final Entry entry = new Entry();
  private int size;
  private int next;
  private long seen;
  private long failed;
  private String firstError;
  private boolean reported;

  Scorer(Iterator<R> rows, Plan plan, float[] weights, int partition) {
    this.rows = rows;
    this.plan = plan;
    this.model = ScoringModels.get(plan.spec());
    this.weights = weights;
    this.partition = partition;
    this.imageSize = plan.columns().input().imageSize();
    this.kind = OutputKind.of(model);
    this.outputs = model.outputShape().size();
    this.scale = (float) plan.columns().input().rescale();
    this.pixels = new byte[imageSize];
    this.x = new float[plan.batch() * imageSize];
    this.out = new float[plan.batch() * outputs];
    this.logits = new float[plan.batch() * outputs];
    this.batchRows = new Object[plan.batch()];
    this.slots = new int[plan.batch()];
    this.errors = new String[plan.batch()];
  }

  /** The row as it may be held until its batch is scored (a copy if the source reuses it). */
  protected abstract R hold(R row);

  /** Decodes the row's image into pixels, or throws naming {@code entry}. */
  protected abstract void decode(R row, Object entry, byte[] pixels);

  /** The value of the plan's id column in the row, for strict-mode errors. */
  protected abstract Object id(R row);

  /**
   * The output row: the input's values, then the outputs of slot {@code slot} (-1: a bad row,
   * nulls) and the error.
   */
  protected abstract R output(R row, int slot, String error);

  /** The model's outputs (after the final activation): a slot's from {@link #outputOffset}. */
  protected final float[] outputValues() {
    return out;
  }

  /** The last layer's values before its final activation, laid out like {@link #outputValues}. */
  protected final float[] logits() {
    return logits;
  }

  protected final int outputOffset(int slot) {
    return slot * outputs;
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
  @SuppressWarnings("unchecked")
  public R next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    int i = next++;
    R r = (R) batchRows[i];
    batchRows[i] = null;
    return output(r, slots[i], errors[i]);
  }

  private void fill() {
    size = 0;
    next = 0;
    int good = 0;
    while (size < plan.batch() && rows.hasNext()) {
      R r = hold(rows.next());
      long index = seen++;
      batchRows[size] = r;
      errors[size] = null;
      slots[size] = -1;
      try {
        entry.row = index;
        decode(r, entry, pixels);
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
      model.predictBatch(weights, x, good, logits, out);
    }
  }

  private DatasetException strictFailure(R r, long index, String message, Throwable cause) {
    String id = plan.idIndex() < 0 ? "" : ", " + plan.idCol() + " = " + id(r);
    return DatasetException.in("scoring input")
        .at("partition " + partition + ", row " + index + id)
        .problem("Bad row in strict mode")
        .received(message)
        .expected("an image the model accepts in every row")
        .hint(
            "without strict mode bad rows are kept with a null prediction and the problem in "
                + "the error column.")
        .cause(cause)
        .build();
  }

  private void report() {
    if (!reported && failed > 0) {
      LOG.warning(
          "partition "
              + partition
              + ": "
              + failed
              + " of "
              + seen
              + " rows could not be "
              + "scored (null prediction; the error column, or NAME_error in SQL, says why); "
              + "first: "
              + firstError);
    }
    reported = true;
  }

  /** Names the row being decoded in errors; only turned into text when there is one. */
  private final class Entry {
    long row;

    @Override
    public String toString() {
      return "partition " + partition + ", row " + row;
    }
  }
}
