package org.sparkcnn.bench;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.FitOptions;
import org.sparkcnn.core.model.History;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Tensor;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.ResumePoint;
import org.sparkcnn.spark.io.CheckpointStore;
import org.sparkcnn.spark.io.HadoopFiles;
import org.sparkcnn.spark.io.TrainingCheckpoints;
import org.sparkcnn.spark.job.JobConfig;

/**
 * What checkpoints and the divergence check cost per training step (scripts/bench --section
 * checkpoint), for the seed model with Adam (121,930 weights: weights + two moment tensors):
 *
 * <ul>
 *   <li>one checkpoint, as the trainer takes it (encode, write the three files with hsync, rename
 *       the manifest in, prune to keep_checkpoints 3), on any Hadoop path (a local temporary folder
 *       by default; {@code --dir hdfs://...} for a cluster's);
 *   <li>a training step at global batch 32 on this machine's cores (single-JVM fit with 2 threads:
 *       the compute of a Spark local[2] step without its 1-3 ms of synchronisation, so the ratio
 *       below is on the conservative side);
 *   <li>the checkpoint cost per step at the default interval, and its share of the step time;
 *   <li>the divergence guard: the gradient scaling pass with the sum of squares, against the plain
 *       scaling pass it replaced.
 * </ul>
 */
public final class CheckpointBench {
  private CheckpointBench() {}

  public static void main(String[] args) throws Exception {
    String dir = null;
    int repeats = 30;
    int every = JobConfig.DEFAULT_CHECKPOINT_EVERY_STEPS;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = args[++i];
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--every" -> every = Integer.parseInt(args[++i]);
        default -> throw BenchArgs.unknown("CheckpointBench", args[i], "--dir, --repeats, --every");
      }
    }
    java.nio.file.Path localTmp = null;
    if (dir == null) {
      localTmp = Files.createTempDirectory("spark-cnn-ckpt-bench");
      dir = localTmp.toUri().toString();
    }
    Sequential model = CoreBench.seedModel();
    double stepMillis = stepMillis(model);
    Configuration conf = new Configuration();
    TrainingCheckpoints ckpts =
        new TrainingCheckpoints(
            model,
            new CheckpointStore(new Path(dir, "checkpoints"), conf, 3),
            every,
            Map.of("bench", "seed model"));
    double[] millis = new double[repeats];
    for (int r = -3; r < repeats; r++) {
      long t0 = System.nanoTime();
      ckpts.save(new ResumePoint(0, r + 4, r + 4, BatchStats.EMPTY, List.of()));
      if (r >= 0) {
        millis[r] = (System.nanoTime() - t0) / 1e6;
      }
    }
    Arrays.sort(millis);
    double median = millis[repeats / 2];
    double perStep = median / every;
    double[] guard = guardMicros(model.paramCount());
    if (localTmp != null) {
      HadoopFiles.fs(new Path(dir), conf).delete(new Path(dir), true);
    }

    System.out.printf(
        Locale.ROOT,
        "spark-cnn checkpoint bench: seed model, %,d weights, Adam; %d cores; checkpoints in %s%n",
        model.paramCount(),
        Runtime.getRuntime().availableProcessors(),
        dir);
    System.out.printf(
        Locale.ROOT,
        "one checkpoint: median %.1f ms (min %.1f, max %.1f over %d)%n",
        median,
        millis[0],
        millis[repeats - 1],
        repeats);
    System.out.printf(
        Locale.ROOT, "training step, batch 32, 2 threads (single JVM): %.2f ms%n", stepMillis);
    System.out.printf(
        Locale.ROOT,
        "checkpoint_every_steps %d: %.4f ms per step = %.2f%% of the step time%n",
        every,
        perStep,
        100 * perStep / stepMillis);
    System.out.printf(
        Locale.ROOT,
        "divergence guard: gradient scaling with the sum of squares %.1f us vs plain scaling"
            + " %.1f us per step (%.2f%% of the step time)%n",
        guard[0],
        guard[1],
        100 * Math.max(0, guard[0] - guard[1]) / 1000 / stepMillis);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("weights", (long) model.paramCount());
    json.put("checkpoint_ms_median", median);
    json.put("step_ms", stepMillis);
    json.put("checkpoint_every_steps", (long) every);
    json.put("checkpoint_ms_per_step", perStep);
    json.put("checkpoint_share_of_step", perStep / stepMillis);
    json.put("guard_us", guard[0]);
    json.put("plain_scale_us", guard[1]);
    System.out.println(Json.writeCompact(json));
  }

  /** Mean step time of the second of two epochs of 100 steps at batch 32 (the first warms up). */
  private static double stepMillis(Sequential model) {
    int n = 3200;
    Random r = new Random(3);
    float[] x = new float[n * 28 * 28];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(10);
    }
    History h =
        model.fit(
            new Tensor(x, n, 28, 28, 1),
            Tensor.labels(labels),
            new FitOptions().batchSize(32).epochs(2).threads(2));
    return h.last().seconds() * 1000 / (n / 32);
  }

  /** Microseconds per call: {guard pass, plain scaling pass}, over a gradient of {@code n}. */
  private static double[] guardMicros(int n) {
    float[] g = new float[n];
    Random r = new Random(5);
    for (int i = 0; i < n; i++) {
      g[i] = (float) r.nextGaussian();
    }
    double sink = 0;
    double[] out = new double[2];
    for (int round = 0; round < 2; round++) {
      for (int which = 0; which < 2; which++) {
        int calls = 2000;
        long t0 = System.nanoTime();
        for (int c = 0; c < calls; c++) {
          if (which == 0) {
            sink += DistributedTrainer.scaleAndSquare(g, 1.0000001f);
          } else {
            for (int i = 0; i < n; i++) {
              g[i] *= 0.9999999f;
            }
          }
        }
        out[which] = (System.nanoTime() - t0) / 1e3 / calls;
      }
    }
    if (sink == 42) {
      System.out.println();
    }
    return out;
  }
}
