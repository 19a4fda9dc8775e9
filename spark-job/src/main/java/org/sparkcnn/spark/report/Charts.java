package org.sparkcnn.spark.report;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparkcnn.core.metrics.ConfusionMatrix;

/**
 * The run's pictures as PNG bytes, drawn by XChart: a metric's curve per epoch for training and
 * validation, and the confusion matrix as a heat map with class names and counts.
 */
public final class Charts {
  private static final Color TRAIN = new Color(0x1f77b4);
  private static final Color VALIDATION = new Color(0xff7f0e);

  static {
    // Drawing needs no display: on a cluster's driver there is none.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private Charts() {}

  /** {@code key} (e.g. "loss") and {@code val_key} per epoch; null when no epoch has either. */
  public static byte[] curve(List<EpochLog> history, String key, String title) {
    XYChart chart =
        new XYChartBuilder()
            .width(640)
            .height(400)
            .title(title)
            .xAxisTitle("epoch")
            .yAxisTitle(key)
            .build();
    // Below the plot, where it never covers a curve.
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    chart.getStyler().setXAxisDecimalPattern("0");
    boolean any = series(chart, history, key, "training", TRAIN);
    any |= series(chart, history, "val_" + key, "validation", VALIDATION);
    return any ? png(chart) : null;
  }

  private static boolean series(
      XYChart chart, List<EpochLog> history, String key, String name, Color color) {
    List<Integer> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (EpochLog e : history) {
      if (!Double.isNaN(e.get(key))) {
        x.add(e.epoch());
        y.add(e.get(key));
      }
    }
    if (x.isEmpty()) {
      return false;
    }
    XYSeries s = chart.addSeries(name, x, y);
    s.setLineColor(color);
    s.setMarkerColor(color);
    s.setMarker(SeriesMarkers.CIRCLE);
    return true;
  }

  /** Rows = true classes (top to bottom), columns = predicted classes; counts in the cells. */
  public static byte[] confusion(ConfusionMatrix m, List<String> classNames, String title) {
    List<String> names = m.names(classNames);
    int k = m.classes();
    int size = Math.max(480, Math.min(1200, 160 + 56 * k));
    HeatMapChart chart =
        new HeatMapChartBuilder()
            .width(size + 140)
            .height(size)
            .title(title)
            .xAxisTitle("predicted")
            .yAxisTitle("true")
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setShowValue(k <= 20);
    chart.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, k <= 10 ? 12 : 9));
    chart.getStyler().setHeatMapValueDecimalPattern("0");
    chart
        .getStyler()
        .setRangeColors(new Color[] {Color.WHITE, new Color(0x9ecae1), new Color(0x08519c)});
    chart.getStyler().setXAxisLabelRotation(45);
    List<String> x = new ArrayList<>(names);
    // The first row is drawn at the bottom: list the true classes bottom-up so row 0 is on top.
    List<String> y = new ArrayList<>();
    for (int t = k - 1; t >= 0; t--) {
      y.add(names.get(t));
    }
    List<Number[]> cells = new ArrayList<>();
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        cells.add(new Number[] {p, k - 1 - t, m.count(t, p)});
      }
    }
    chart.addSeries("count", x, y, cells);
    return png(chart);
  }

  private static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a chart as PNG: " + e.getMessage(), e);
    }
  }
}
