package org.sparkcnn.spark.report;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkcnn.core.metrics.ConfusionMatrix;

/**
 * report.html: one self-contained page (styles inline, pictures as data: URIs, no scripts and no
 * links to fetch), so it can be mailed, attached to a ticket or opened from HDFS as one file.
 */
public final class ReportPage {
  private static final String STYLE =
      "body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}"
          + "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
          + "table{border-collapse:collapse;margin:.5em 0}"
          + "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}"
          + "th{background:#f3f3f3}td.name,th.name{text-align:left}"
          + "td.diag{font-weight:bold;background:#e3eefa}"
          + "pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}"
          + "img{max-width:100%;margin:.3em}.curves img{max-width:49%}.status{color:#555}";

  private ReportPage() {}

  public static String render(ReportContent c) {
    StringBuilder h = new StringBuilder(16_384);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>")
        .append(esc(c.title()))
        .append("</title><style>")
        .append(STYLE)
        .append("</style></head><body>\n<h1>")
        .append(esc(c.title()))
        .append("</h1>\n<p class=\"status\">")
        .append(esc(c.status()))
        .append("</p>\n");
    summary(h, c);
    if (!c.history().isEmpty()) {
      h.append("<h2 id=\"curves\">Curves</h2>\n<div class=\"curves\">\n");
      picture(h, c, "loss.png", "loss per epoch, training and validation");
      picture(h, c, "accuracy.png", "accuracy per epoch, training and validation");
      h.append("</div>\n");
      history(h, c.history());
    }
    if (c.confusion() != null) {
      confusion(h, c.confusion(), c.classNames(), c);
    }
    h.append("<h2 id=\"model\">Model</h2>\n<pre>")
        .append(esc(c.modelSummary()))
        .append("</pre>\n<h2 id=\"config\">Configuration</h2>\n<pre>")
        .append(esc(c.config()))
        .append("</pre>\n<h2 id=\"environment\">Environment</h2>\n<table>\n");
    for (Map.Entry<String, String> e : c.environment().entrySet()) {
      row(h, e.getKey(), e.getValue());
    }
    h.append("</table>\n</body></html>\n");
    return h.toString();
  }

  private static void summary(StringBuilder h, ReportContent c) {
    h.append("<h2 id=\"summary\">Summary</h2>\n<table>\n");
    if (!c.history().isEmpty()) {
      EpochLog last = c.history().get(c.history().size() - 1);
      for (Map.Entry<String, Double> e : last.logs().entrySet()) {
        row(h, e.getKey() + " (epoch " + last.epoch() + ")", num(e.getValue()));
      }
      double seconds = 0;
      double images = 0;
      for (EpochLog e : c.history()) {
        seconds += e.seconds();
        images += e.imagesPerSecond() * e.seconds();
      }
      row(h, "training images/s", String.format(Locale.ROOT, "%.0f", images / seconds));
      row(h, "training time", String.format(Locale.ROOT, "%.1f s", seconds));
    }
    if (c.evaluation() != null) {
      for (Map.Entry<String, Object> e : c.evaluation().entrySet()) {
        Object v = e.getValue();
        row(h, e.getKey(), v instanceof Double d ? num(d) : String.valueOf(v));
      }
    }
    h.append("</table>\n");
  }

  private static void history(StringBuilder h, List<EpochLog> history) {
    List<String> columns = MetricsCsv.columns(history);
    h.append("<table>\n<tr>");
    for (String col : columns) {
      h.append("<th>").append(esc(col.equals("epoch") ? "epoch" : col)).append("</th>");
    }
    h.append("</tr>\n");
    for (EpochLog e : history) {
      h.append("<tr><td>").append(e.epoch()).append("</td>");
      for (String col : columns.subList(1, columns.size() - 2)) {
        h.append("<td>").append(num(e.get(col))).append("</td>");
      }
      h.append(
          String.format(
              Locale.ROOT, "<td>%.0f</td><td>%.1f</td></tr>%n", e.imagesPerSecond(), e.seconds()));
    }
    h.append("</table>\n");
  }

  private static void confusion(
      StringBuilder h, ConfusionMatrix m, List<String> classNames, ReportContent c) {
    List<String> names = m.names(classNames);
    h.append("<h2 id=\"confusion\">Confusion matrix</h2>\n");
    picture(h, c, "confusion_matrix.png", "confusion matrix: rows true class, columns predicted");
    h.append("<table class=\"confusion\">\n<tr><th class=\"name\">true \\ predicted</th>");
    for (String n : names) {
      h.append("<th>").append(esc(n)).append("</th>");
    }
    h.append("</tr>\n");
    for (int t = 0; t < m.classes(); t++) {
      h.append("<tr><th class=\"name\">").append(esc(names.get(t))).append("</th>");
      for (int p = 0; p < m.classes(); p++) {
        h.append(t == p ? "<td class=\"diag\">" : "<td>").append(m.count(t, p)).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n<h2 id=\"per-class\">Per class</h2>\n<table class=\"per-class\">\n")
        .append("<tr><th class=\"name\">class</th><th>precision</th><th>recall</th><th>F1</th>")
        .append("<th>support</th></tr>\n");
    for (int k = 0; k < m.classes(); k++) {
      h.append("<tr><td class=\"name\">")
          .append(esc(names.get(k)))
          .append(
              String.format(
                  Locale.ROOT,
                  "</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>%n",
                  m.precision(k),
                  m.recall(k),
                  m.f1(k),
                  m.support(k)));
    }
    h.append(
        String.format(
            Locale.ROOT,
            "<tr><td class=\"name\">accuracy</td><td></td><td></td><td>%.4f</td><td>%d</td></tr>%n",
            m.accuracy(),
            m.total()));
    h.append("</table>\n");
  }

  private static void picture(StringBuilder h, ReportContent c, String name, String alt) {
    byte[] png = c.pictures().get(name);
    if (png != null) {
      h.append("<img alt=\"")
          .append(esc(alt))
          .append("\" title=\"")
          .append(esc(name))
          .append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(png))
          .append("\">\n");
    }
  }

  private static void row(StringBuilder h, String name, String value) {
    h.append("<tr><th class=\"name\">")
        .append(esc(name))
        .append("</th><td class=\"name\">")
        .append(esc(value))
        .append("</td></tr>\n");
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }
}
