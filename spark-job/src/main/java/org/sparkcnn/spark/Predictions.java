package org.sparkcnn.spark;

import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.metrics.ConfusionMatrix;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.labels.LabelMode;
import org.sparkcnn.spark.labels.Targets;

/**
 * The confusion matrix of a model over labelled blocks: every partition runs batched forward passes
 * with the broadcast weights and counts (label, predicted class); the driver adds the partitions'
 * counts. The predicted class is the argmax of the outputs, or output &gt; 0.5 for a model with one
 * (sigmoid) output, which then has two classes. The blocks hold one class index per example (every
 * label mode but multi_label, which has no confusion matrix).
 */
public final class Predictions {
  private Predictions() {}

  public static ConfusionMatrix confusion(
      JavaSparkContext jsc, Sequential model, JavaRDD<ImageBlock> data, double rescale) {
    int width = model.outputShape().size();
    int classes = width == 1 ? 2 : width;
    TrainingPlan plan =
        new TrainingPlan(
            ModelSpec.toJson(model),
            model.loss() == null ? "sparse_categorical_crossentropy" : model.loss().kerasName(),
            false,
            rescale,
            // Read the blocks' labels as they are: one class index per example.
            new Targets(LabelMode.INT, width),
            1,
            256,
            false,
            0);
    Broadcast<float[]> weights = jsc.broadcast(model.parameters());
    try (SparkJobs.Scope named =
        SparkJobs.describe(jsc.sc(), SparkJobs.Phase.EVALUATE, "confusion matrix")) {
      long[][] counts =
          data.mapPartitions(
                  it -> {
                    Sequential m = ExecutorModels.get(plan);
                    float[] w = weights.value();
                    long[][] part = new long[classes][classes];
                    int batch = plan.batchSize();
                    while (it.hasNext()) {
                      ImageBlock b = it.next();
                      int[] order = BatchPlan.epochOrder(b.size(), 0, 0, 0, false);
                      int rows = Math.min(batch, b.size());
                      float[] x = new float[rows * b.imageSize()];
                      float[] y = new float[rows];
                      long[] ids = new long[rows];
                      float[] out = new float[rows * width];
                      for (int from = 0; from < b.size(); from += batch) {
                        int to = Math.min(b.size(), from + batch);
                        b.gather(order, from, to, plan.rescale(), plan.targets(), x, y, ids);
                        m.predictBatch(w, x, to - from, out, 0);
                        for (int i = 0; i < to - from; i++) {
                          part[label((int) y[i], classes)][predicted(out, i, width)]++;
                        }
                      }
                    }
                    return Collections.singletonList(part).iterator();
                  })
              .reduce(Predictions::add);
      return ConfusionMatrix.of(counts);
    } finally {
      weights.destroy();
    }
  }

  private static long[][] add(long[][] a, long[][] b) {
    for (int t = 0; t < a.length; t++) {
      for (int p = 0; p < a.length; p++) {
        a[t][p] += b[t][p];
      }
    }
    return a;
  }

  private static int predicted(float[] out, int row, int width) {
    if (width == 1) {
      return out[row] > 0.5f ? 1 : 0;
    }
    int best = 0;
    for (int k = 1; k < width; k++) {
      if (out[row * width + k] > out[row * width + best]) {
        best = k;
      }
    }
    return best;
  }

  private static int label(int label, int classes) {
    if (label < 0 || label >= classes) {
      throw ErrorText.problem("label out of range for the confusion matrix")
          .received(label)
          .expected("0.." + (classes - 1) + " (one class per model output)")
          .illegalArgument();
    }
    return label;
  }
}
