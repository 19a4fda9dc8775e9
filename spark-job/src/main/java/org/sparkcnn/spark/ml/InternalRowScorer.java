package org.sparkcnn.spark.ml;

import java.util.Iterator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A {@link Scorer} over Spark's internal rows ({@code queryExecution().toRdd()}): the image is read
 * from the row's own bytes and the input columns pass through as they are, with no conversion to
 * external {@code Row}s and back. Each output row is the input row joined with one row of the added
 * columns.
 */
final class InternalRowScorer extends Scorer<InternalRow> {
  @SuppressWarnings("unchecked")
  private static final UserDefinedType<Vector> VECTOR =
      (UserDefinedType<Vector>) SQLDataTypes.VectorType();

  private final UTF8String[] names;
  private final int added;
  private final DataType idType;

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
    this.added = names == null ? 3 : 4;
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
      int best = prediction(slot);
      values[0] = best;
      values[1] = probability(slot);
      if (names != null) {
        values[2] = names[best];
      }
    }
    values[added - 1] = error == null ? null : UTF8String.fromString(error);
    return new JoinedRow(row, new GenericInternalRow(values));
  }

  private Object probability(int slot) {
    float[] out = outputs();
    int base = outputOffset(slot);
    if (!plan.vectorProbability()) {
      float[] p = new float[classes];
      System.arraycopy(out, base, p, 0, classes);
      return UnsafeArrayData.fromPrimitiveArray(p);
    }
    double[] p = new double[classes];
    for (int c = 0; c < classes; c++) {
      p[c] = out[base + c];
    }
    return VECTOR.serialize(Vectors.dense(p));
  }
}
