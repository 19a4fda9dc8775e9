package org.sparkcnn.spark.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.core.metrics.ConfusionMatrix;
import org.sparkcnn.spark.io.HadoopFiles;

/**
 * Keeps a run's human-readable outputs up to date in its output directory: after every epoch
 * metrics.csv, loss.png, accuracy.png and report.html; after the final evaluation also
 * confusion_matrix.png. Each file is replaced atomically, so a reader never sees half a file.
 *
 * <p>Order of calls: construct → {@link #epochDone} per epoch → {@link #finish} once.
 */
public final class RunReport {
  public static final String CSV = "metrics.csv";
  public static final String HTML = "report.html";
  public static final String LOSS_PNG = "loss.png";
  public static final String ACCURACY_PNG = "accuracy.png";
  public static final String CONFUSION_PNG = "confusion_matrix.png";

  private final String output;
  private final Configuration hadoop;
  private final String title;
  private final String modelSummary;
  private final String config;
  private final Map<String, String> environment;
  private final List<String> classNames;
  private final List<EpochLog> history = new ArrayList<>();
  private final Map<String, byte[]> pictures = new LinkedHashMap<>();

  public RunReport(
      String output,
      Configuration hadoop,
      String title,
      String modelSummary,
      String config,
      Map<String, String> environment,
      List<String> classNames) {
    this.output = output;
    this.hadoop = hadoop;
    this.title = title;
    this.modelSummary = modelSummary;
    this.config = config;
    this.environment = environment;
    this.classNames = classNames;
  }

  public List<EpochLog> history() {
    return List.copyOf(history);
  }

  /** An epoch finished before a resume: into the history, written with the next epoch. */
  public void resumed(EpochLog e) {
    history.add(e);
  }

  /** Adds the epoch and rewrites metrics.csv, the curves and report.html. */
  public void epochDone(EpochLog e) {
    history.add(e);
    write(CSV, MetricsCsv.render(history).getBytes(StandardCharsets.UTF_8));
    picture(LOSS_PNG, Charts.curve(history, "loss", "Loss"));
    picture(ACCURACY_PNG, Charts.curve(history, "accuracy", "Accuracy"));
    page(String.format("epoch %d/%d done", e.epoch(), e.epochs()), null, null);
  }

  /**
   * The final evaluation: its figures (e.g. loss, accuracy, examples, on what data) and confusion
   * matrix (either may be null); writes confusion_matrix.png and the finished report.html.
   */
  public void finish(Map<String, Object> evaluation, ConfusionMatrix confusion) {
    if (confusion != null) {
      picture(CONFUSION_PNG, Charts.confusion(confusion, classNames, "Confusion matrix"));
    }
    page("finished", evaluation, confusion);
  }

  private void page(String status, Map<String, Object> evaluation, ConfusionMatrix confusion) {
    String html =
        ReportPage.render(
            new ReportContent(
                title,
                status,
                history(),
                evaluation,
                confusion,
                classNames,
                pictures,
                modelSummary,
                config,
                environment));
    write(HTML, html.getBytes(StandardCharsets.UTF_8));
  }

  private void picture(String name, byte[] png) {
    if (png != null) {
      pictures.put(name, png);
      write(name, png);
    }
  }

  private void write(String name, byte[] bytes) {
    Path p = new Path(output, name);
    try {
      HadoopFiles.writeAtomically(p, bytes, hadoop);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write " + p + ": " + e.getMessage() + "; check that the output is writable", e);
    }
  }
}
