package org.sparkcnn.spark.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * metrics.csv: the columns Keras' CSVLogger writes (the 0-based {@code epoch}, then the logs' keys
 * sorted by name: {@code accuracy,loss,val_accuracy,val_loss}) followed by {@code
 * images_per_second} and {@code seconds} (the epoch's training time). A file with these columns
 * reads into pandas or a spreadsheet like one from Keras.
 */
public final class MetricsCsv {
  private MetricsCsv() {}

  public static List<String> columns(List<EpochLog> history) {
    TreeSet<String> keys = new TreeSet<>();
    for (EpochLog e : history) {
      keys.addAll(e.logs().keySet());
    }
    List<String> columns = new ArrayList<>();
    columns.add("epoch");
    columns.addAll(keys);
    columns.add("images_per_second");
    columns.add("seconds");
    return columns;
  }

  public static String render(List<EpochLog> history) {
    List<String> columns = columns(history);
    StringBuilder s = new StringBuilder(String.join(",", columns)).append('\n');
    for (EpochLog e : history) {
      List<String> row = new ArrayList<>();
      row.add(Integer.toString(e.epoch() - 1));
      for (String c : columns.subList(1, columns.size() - 2)) {
        double v = e.get(c);
        // Keras writes what Python prints; an absent value is an empty cell.
        row.add(Double.isNaN(v) ? "" : Double.toString(v));
      }
      row.add(String.format(Locale.ROOT, "%.1f", e.imagesPerSecond()));
      row.add(String.format(Locale.ROOT, "%.3f", e.seconds()));
      s.append(String.join(",", row)).append('\n');
    }
    return s.toString();
  }
}
