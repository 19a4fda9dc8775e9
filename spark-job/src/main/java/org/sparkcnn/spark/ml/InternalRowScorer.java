package org.sparkcnn.spark.ml;

import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.types.UTF8String;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * A {@link Scorer} over Spark's internal rows ({@code queryExecution().toRdd()}): the image is read
 * from the row's own bytes and the input columns pass through as they are, with no conversion to
 * external {@code Row}s and back. Each output row is the input row joined with one row of the added
 * columns.
 */
final class InternalRowScorer extends Scorer<InternalRow> {
  private final UTF8String[] names;
  private final int added;
  private final DataType idType;
  private final int width;

  /**
   * @param idType the type of the plan's id column, or null when it has none
   */
  InternalRowScorer(
      Iterator<InternalRow> rows, Plan plan, DataType idType, float[] weights, int partition) {
    super(rows, plan, weights, partition);
    this.idType = idType;
    String[] classNames = plan.classNames();
    this.names = classNames == null ? null : new UTF8String[classNames.length];
    for (int c = 0; names != null && c < names.length; c++) {
      names[c] = UTF8String.fromString(classNames[c]);
    }
    this.added = 3 + (plan.rawPrediction() ? 1 : 0) + (names == null ? 0 : 1);
    this.width = kind.width(outputs);
  }

  @Override
  protected InternalRow hold(InternalRow row) {
    // The source reuses its row object (and buffer) for the next row; a batch outlives that.
    return row.copy();
  }

  @Override
  protected void decode(InternalRow row, Object entry, byte[] pixels) {
    plan.columns().decodeImage(row, entry, pixels, 0);
  }

  @Override
  protected Object id(InternalRow row) {
    // Shown in an error text only: the plain value (string, number, ...) via its own toString.
    return row.isNullAt(plan.idIndex()) ? null : row.get(plan.idIndex(), idType);
  }

  @Override
  protected InternalRow output(InternalRow row, int slot, String error) {
    Object[] values = new Object[added];
    if (slot >= 0) {
      int base = outputOffset(slot);
      int k = 0;
      if (kind == OutputKind.MULTI_LABEL) {
        int[] predicted = kind.predictions(outputValues(), base, outputs);
        values[k++] = SparkInternals.doubleArray(OutputKind.asDoubles(predicted));
        values[k++] = vector(outputValues(), base, false);
        if (plan.rawPrediction()) {
          values[k++] = vector(logits(), base, true);
        }
        if (names != null) {
          values[k] = labels(predicted);
        }
      } else {
        int best = kind.prediction(outputValues(), base, outputs);
        values[k++] = (double) best;
        values[k++] = vector(outputValues(), base, false);
        if (plan.rawPrediction()) {
          values[k++] = vector(logits(), base, true);
        }
        if (names != null) {
          values[k] = names[best];
        }
      }
    }
    values[added - 1] = error == null ? null : SparkInternals.string(error);
    return SparkInternals.joined(row, values);
  }

  /** The names of the labels predicted 1, in label order. */
  private Object labels(int[] predicted) {
    Object[] chosen = new Object[OutputKind.positives(predicted)];
    int j = 0;
    for (int c = 0; c < predicted.length; c++) {
      if (predicted[c] == 1) {
        chosen[j++] = names[c];
      }
    }
    return SparkInternals.array(chosen);
  }

  /** A slot's probability ({@code raw} false) or rawPrediction vector, in the plan's type. */
  private Object vector(float[] values, int base, boolean raw) {
    double[] v = new double[width];
    if (raw) {
      kind.raw(values, base, outputs, v);
    } else {
      kind.probability(values, base, outputs, v);
    }
    if (!plan.vectorProbability()) {
      float[] f = new float[width];
      for (int c = 0; c < width; c++) {
        f[c] = (float) v[c];
      }
      return SparkInternals.floatArray(f);
    }
    return SparkInternals.vector(v);
  }
}
