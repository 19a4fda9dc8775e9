package org.sparkcnn.spark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/** The columns of a scored table, as the scoring docs list them (written out here, not taken). */
public final class ScoredColumns {
  private ScoredColumns() {}

  /** {@code input}'s columns, then the five scoring adds, in order. */
  public static List<String> after(String... input) {
    List<String> columns = new ArrayList<>(List.of(input));
    columns.addAll(
        List.of("prediction", "probability", "rawPrediction", "predicted_label", "error"));
    return columns;
  }

  /** {@code scored} kept {@code input}'s columns and added the five, prediction a double. */
  public static void assertAdded(Dataset<Row> scored, String... input) {
    assertEquals(after(input), List.of(scored.columns()), "every input column kept, five added");
    assertEquals(DataTypes.DoubleType, scored.schema().apply("prediction").dataType());
  }
}
