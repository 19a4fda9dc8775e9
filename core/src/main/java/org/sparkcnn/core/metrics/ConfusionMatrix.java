package org.sparkcnn.core.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Counts of (true class, predicted class) over an evaluation, and the per-class precision, recall
 * and F1 that follow from them (scikit-learn's definitions: a class never predicted has precision
 * 0, a class absent from the data has recall 0). Rows are true classes, columns predictions.
 */
public final class ConfusionMatrix {
  private final long[][] counts;

  public ConfusionMatrix(int classes) {
    if (classes <= 0) {
      throw ErrorText.problem("a confusion matrix needs classes")
          .received(classes)
          .expected("at least 1")
          .illegalArgument();
    }
    this.counts = new long[classes][classes];
  }

  /** Rebuilds a matrix from its counts (rows = true classes), e.g. after a Spark reduce. */
  public static ConfusionMatrix of(long[][] counts) {
    ConfusionMatrix m = new ConfusionMatrix(counts.length);
    for (int t = 0; t < counts.length; t++) {
      if (counts[t].length != counts.length) {
        throw ErrorText.problem("confusion matrix row " + t + " has the wrong length")
            .received(counts[t].length)
            .expected(String.valueOf(counts.length))
            .illegalArgument();
      }
      System.arraycopy(counts[t], 0, m.counts[t], 0, counts.length);
    }
    return m;
  }

  public int classes() {
    return counts.length;
  }

  public void add(int trueClass, int predicted) {
    if (trueClass < 0
        || trueClass >= counts.length
        || predicted < 0
        || predicted >= counts.length) {
      throw ErrorText.problem("class index out of range")
          .received("true " + trueClass + ", predicted " + predicted)
          .expected("0.." + (counts.length - 1))
          .illegalArgument();
    }
    counts[trueClass][predicted]++;
  }

  /** Adds {@code other}'s counts into this one; returns this. */
  public ConfusionMatrix merge(ConfusionMatrix other) {
    if (other.classes() != classes()) {
      throw ErrorText.problem("cannot merge confusion matrices of different sizes")
          .received(other.classes())
          .expected(String.valueOf(classes()))
          .illegalArgument();
    }
    for (int t = 0; t < counts.length; t++) {
      for (int p = 0; p < counts.length; p++) {
        counts[t][p] += other.counts[t][p];
      }
    }
    return this;
  }

  public long count(int trueClass, int predicted) {
    return counts[trueClass][predicted];
  }

  /** A copy of the counts, rows = true classes. */
  public long[][] counts() {
    long[][] c = new long[counts.length][];
    for (int t = 0; t < counts.length; t++) {
      c[t] = counts[t].clone();
    }
    return c;
  }

  public long total() {
    long n = 0;
    for (long[] row : counts) {
      for (long v : row) {
        n += v;
      }
    }
    return n;
  }

  /** Examples whose true class is c (the support). */
  public long support(int c) {
    long n = 0;
    for (long v : counts[c]) {
      n += v;
    }
    return n;
  }

  private long predictedAs(int c) {
    long n = 0;
    for (long[] row : counts) {
      n += row[c];
    }
    return n;
  }

  public double accuracy() {
    long right = 0;
    for (int c = 0; c < counts.length; c++) {
      right += counts[c][c];
    }
    long n = total();
    return n == 0 ? Double.NaN : (double) right / n;
  }

  public double precision(int c) {
    long p = predictedAs(c);
    return p == 0 ? 0 : (double) counts[c][c] / p;
  }

  public double recall(int c) {
    long s = support(c);
    return s == 0 ? 0 : (double) counts[c][c] / s;
  }

  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  /** Class names for display: the given ones, or "0", "1", ... when null. */
  public List<String> names(List<String> classNames) {
    if (classNames != null && classNames.size() == counts.length) {
      return classNames;
    }
    List<String> names = new ArrayList<>();
    for (int c = 0; c < counts.length; c++) {
      names.add(String.valueOf(c));
    }
    return names;
  }

  /** The matrix as aligned text: one row per true class, one column per predicted class. */
  public String toText(List<String> classNames) {
    List<String> names = names(classNames);
    int nameWidth = "true \\ predicted".length();
    int cell = 5;
    for (int c = 0; c < counts.length; c++) {
      nameWidth = Math.max(nameWidth, names.get(c).length());
      cell = Math.max(cell, Long.toString(support(c)).length() + 1);
    }
    StringBuilder s = new StringBuilder();
    s.append(pad("true \\ predicted", nameWidth, false));
    for (int p = 0; p < counts.length; p++) {
      s.append(pad(String.valueOf(p), cell, true));
    }
    s.append('\n');
    for (int t = 0; t < counts.length; t++) {
      s.append(pad(names.get(t), nameWidth, false));
      for (int p = 0; p < counts.length; p++) {
        s.append(pad(Long.toString(counts[t][p]), cell, true));
      }
      s.append('\n');
    }
    return s.toString();
  }

  /** Per-class precision, recall, F1 and support as aligned text, like scikit-learn's report. */
  public String reportText(List<String> classNames) {
    List<String> names = names(classNames);
    int nameWidth = "macro avg".length();
    for (String n : names) {
      nameWidth = Math.max(nameWidth, n.length());
    }
    StringBuilder s = new StringBuilder();
    s.append(pad("", nameWidth, false))
        .append(
            String.format(
                Locale.ROOT, " %9s %9s %9s %9s%n", "precision", "recall", "f1", "support"));
    double mp = 0;
    double mr = 0;
    double mf = 0;
    for (int c = 0; c < counts.length; c++) {
      s.append(pad(names.get(c), nameWidth, false))
          .append(
              String.format(
                  Locale.ROOT,
                  " %9.4f %9.4f %9.4f %9d%n",
                  precision(c),
                  recall(c),
                  f1(c),
                  support(c)));
      mp += precision(c);
      mr += recall(c);
      mf += f1(c);
    }
    int k = counts.length;
    s.append(pad("macro avg", nameWidth, false))
        .append(
            String.format(
                Locale.ROOT, " %9.4f %9.4f %9.4f %9d%n", mp / k, mr / k, mf / k, total()));
    s.append(pad("accuracy", nameWidth, false))
        .append(String.format(Locale.ROOT, " %29.4f %9d%n", accuracy(), total()));
    return s.toString();
  }

  /** JSON-ready form: class names, counts (rows = true classes) and per-class metrics. */
  public Map<String, Object> toMap(List<String> classNames) {
    List<String> names = names(classNames);
    List<Object> rows = new ArrayList<>();
    List<Object> perClass = new ArrayList<>();
    for (int c = 0; c < counts.length; c++) {
      List<Object> row = new ArrayList<>();
      for (long v : counts[c]) {
        row.add(v);
      }
      rows.add(row);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("class", names.get(c));
      m.put("precision", precision(c));
      m.put("recall", recall(c));
      m.put("f1", f1(c));
      m.put("support", support(c));
      perClass.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("class_names", names);
    out.put("matrix", rows);
    out.put("per_class", perClass);
    out.put("accuracy", accuracy());
    return out;
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(Math.max(0, width - s.length()));
    return right ? fill + s : s + fill;
  }
}
