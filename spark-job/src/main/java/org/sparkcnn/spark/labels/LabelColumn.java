package org.sparkcnn.spark.labels;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.datasets.DatasetException;

/**
 * Reads a DataFrame's label column into the stored form of {@link Targets}, after checking its type
 * against the label mode once: a number (integer, or a double holding a whole number as Spark ML
 * writes labels) for int, binary and categorical; a boolean for binary; an array of K numbers or
 * booleans for categorical (one-hot: exactly one 1) and multi_label (each 0 or 1). A value that
 * does not fit is an error naming the row (counted from 0 in the DataFrame's order), the value and
 * the mode.
 */
public final class LabelColumn implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String column;
  private final int index;
  private final boolean array;
  private final Targets targets;

  private LabelColumn(String column, int index, boolean array, Targets targets) {
    this.column = column;
    this.index = index;
    this.array = array;
    this.targets = targets;
  }

  /** Checks that {@code column} exists and that its type can hold the mode's labels. */
  public static LabelColumn of(StructType schema, String column, Targets targets) {
    int index = Arrays.asList(schema.fieldNames()).indexOf(column);
    if (index < 0) {
      throw DatasetException.in("DataFrame")
          .problem("The label column is missing")
          .received("no column '" + column + "'; columns: " + schema.simpleString())
          .expected("a column '" + column + "' holding " + targets.expectedText())
          .hint("name the column with label_col in the job config (labelCol in Spark ML).")
          .build();
    }
    DataType type = schema.fields()[index].dataType();
    boolean scalar = type instanceof NumericType || type instanceof BooleanType;
    boolean array =
        type instanceof ArrayType a
            && (a.elementType() instanceof NumericType || a.elementType() instanceof BooleanType);
    LabelMode mode = targets.mode();
    boolean fits =
        switch (mode) {
          case INT -> type instanceof NumericType;
          case BINARY -> scalar;
          case CATEGORICAL -> type instanceof NumericType || array;
          case MULTI_LABEL -> array;
        };
    if (!fits) {
      throw DatasetException.in("DataFrame column " + column)
          .problem("Label column has an unsupported type for label_mode " + mode.kerasName())
          .received(type.simpleString())
          .expected(
              mode == LabelMode.MULTI_LABEL || mode == LabelMode.CATEGORICAL && !scalar
                  ? "an array<int|double|boolean> column holding " + targets.expectedText()
                  : "a numeric column holding " + targets.expectedText())
          .hint(
              array
                  ? "an array label is one-hot (label_mode categorical) or multi-hot (label_mode"
                      + " multi_label); set label_mode, or use a class index column."
                  : mode == LabelMode.MULTI_LABEL
                      ? "multi_label needs an array of 0/1 per row; a single class index suits"
                          + " label_mode int, binary or categorical."
                      : "map class names to indices first, e.g. with Spark ML's StringIndexer.")
          .build();
    }
    return new LabelColumn(column, index, array, targets);
  }

  public Targets targets() {
    return targets;
  }

  /** Writes row {@code rowId}'s label in stored form into {@code dest[at .. at + storedWidth)}. */
  public void read(Row row, long rowId, int[] dest, int at) {
    if (row.isNullAt(index)) {
      throw misfit("Label is null", rowId, "null", "drop or fill rows with missing labels first.");
    }
    Object v = row.get(index);
    if (!array) {
      double d = v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
      if (!targets.acceptsClassIndex(d)) {
        throw misfit(
            "Label out of range for label_mode " + targets.mode().kerasName(),
            rowId,
            String.valueOf(v),
            targets.mode() == LabelMode.BINARY
                ? "binary labels are 0 and 1; map the two classes to them first."
                : "the data has more classes than the model outputs, or labels are not 0-based.");
      }
      dest[at] = (int) d;
      return;
    }
    List<Object> values = row.getList(index);
    int k = targets.outputs();
    String problem = values.size() != k ? values.size() + " values" : null;
    double[] bits = new double[values.size()];
    for (int i = 0; i < values.size() && problem == null; i++) {
      Object o = values.get(i);
      bits[i] =
          o == null
              ? Double.NaN
              : o instanceof Boolean b ? (b ? 1 : 0) : ((Number) o).doubleValue();
      if (!(bits[i] == 0 || bits[i] == 1)) {
        problem = o + " at index " + i;
      }
    }
    if (problem == null && targets.mode() == LabelMode.CATEGORICAL) {
      int ones = 0;
      for (double b : bits) {
        ones += (int) b;
      }
      problem = ones == 1 ? null : ones + " ones (not one-hot)";
    }
    if (problem != null) {
      throw misfit(
          "Label array does not fit label_mode " + targets.mode().kerasName(),
          rowId,
          excerpt(values) + ": " + problem,
          values.size() != k
              ? "the array needs one value per model output."
              : targets.mode() == LabelMode.CATEGORICAL
                  ? "a one-hot label has exactly one 1; for several true labels use label_mode"
                      + " multi_label with binary_crossentropy."
                  : "multi-label targets are 0 or 1 per output.");
    }
    if (targets.mode() == LabelMode.CATEGORICAL) {
      int hot = 0;
      while (bits[hot] == 0) {
        hot++;
      }
      dest[at] = hot;
      return;
    }
    Arrays.fill(dest, at, at + targets.storedWidth(), 0);
    for (int i = 0; i < k; i++) {
      dest[at + (i >>> 5)] |= ((int) bits[i]) << (i & 31);
    }
  }

  private DatasetException misfit(String problem, long rowId, String received, String hint) {
    return DatasetException.in("DataFrame column " + column)
        .at("row " + rowId)
        .problem(problem)
        .received(received)
        .expected(targets.expectedText())
        .hint(hint)
        .build();
  }

  private static String excerpt(List<Object> values) {
    String s = values.toString();
    return s.length() <= 80 ? s : s.substring(0, 77) + "...]";
  }
}
