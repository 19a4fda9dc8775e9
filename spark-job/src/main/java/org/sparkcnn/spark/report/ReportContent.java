package org.sparkcnn.spark.report;

import java.util.List;
import java.util.Map;
import org.sparkcnn.core.metrics.ConfusionMatrix;

/**
 * What report.html shows. Any part may be empty or null while a run is under way (no confusion
 * matrix before the final evaluation) or when there is no training (scripts/evaluate).
 *
 * @param title the page's heading, e.g. "spark-cnn train: runs/fmnist"
 * @param status one line: "epoch 3/5 done", "finished", ...
 * @param history the epochs so far (empty for an evaluation)
 * @param evaluation the final evaluation's figures (loss, accuracy, examples, on what), or null
 * @param confusion the final evaluation's confusion matrix, or null
 * @param classNames names of the classes in label order, or null for "0", "1", ...
 * @param pictures PNG name (e.g. "loss.png") → bytes, embedded in the page
 * @param modelSummary Keras' summary table
 * @param config the effective config (or the evaluation's arguments)
 * @param environment Spark, executors, cores, JDK, kernels
 */
public record ReportContent(
    String title,
    String status,
    List<EpochLog> history,
    Map<String, Object> evaluation,
    ConfusionMatrix confusion,
    List<String> classNames,
    Map<String, byte[]> pictures,
    String modelSummary,
    String config,
    Map<String, String> environment) {}
