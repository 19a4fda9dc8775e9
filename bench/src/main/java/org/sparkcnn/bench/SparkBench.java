package org.sparkcnn.bench;

import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.SEED;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.FitOptions;
import org.sparkcnn.core.model.History;
import org.sparkcnn.core.model.SeedModels;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.tensor.Tensor;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.SparkSettings;
import org.sparkcnn.spark.TrainerOptions;

/**
 * Benchmark of distributed training on Spark (scripts/bench --section spark): the per-step overhead
 * (step wall time minus the slowest partition's compute) against model size, partition count and
 * sync mode, and throughput against global batch size next to single-JVM fit on the same cores.
 * Random Fashion-MNIST-shaped data; each figure is the median of the timed epochs after a warm-up
 * epoch. The last line printed is one JSON object with every figure.
 *
 * <p>Usage: SparkBench [--master local[2]] [--steps 30] [--quick]
 */
public final class SparkBench {
  private SparkBench() {}

  public static void main(String[] args) {
    String master = "local[2]";
    int steps = 30;
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--master" -> master = args[++i];
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--quick" -> quick = true;
        default ->
            throw BenchArgs.unknown("SparkBench", args[i], "--master URL, --steps N or --quick");
      }
    }
    JavaSparkContext jsc = start(master, "spark-cnn bench");
    int cores = jsc.defaultParallelism();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("master", master);
    json.put("cores", cores);
    json.put("java", System.getProperty("java.version"));

    System.out.println(
        "== per-step overhead by model size (batch 32, " + cores + " partitions) ==");
    List<Object> bySize = new ArrayList<>();
    for (String model : List.of("tiny", "seed", "wide")) {
      for (String sync : List.of("driver-sync", "jobs")) {
        Map<String, Object> r = run(jsc, model, sync, cores, 32, quick ? 10 : steps);
        bySize.add(r);
      }
    }
    json.put("overhead_by_model", bySize);

    System.out.println("== per-step overhead by partitions (seed model, batch 64) ==");
    List<Object> byPartitions = new ArrayList<>();
    for (int p = 1; p <= cores; p++) {
      byPartitions.add(run(jsc, "seed", "driver-sync", p, 64, quick ? 10 : steps));
    }
    json.put("overhead_by_partitions", byPartitions);

    System.out.println(
        "== throughput by global batch (seed model, "
            + cores
            + " partitions)"
            + " vs single-JVM fit with "
            + cores
            + " threads ==");
    List<Object> byBatch = new ArrayList<>();
    for (int batch : quick ? List.of(32, 512) : List.of(32, 64, 128, 256, 512, 1024)) {
      int s = Math.max(6, Math.min(steps, 12_000 / batch));
      Map<String, Object> r = run(jsc, "seed", "auto", cores, batch, s);
      double single = singleJvm(batch, s, cores);
      r.put("single_jvm_images_per_s", round(single));
      r.put("ratio_to_single_jvm", round((Double) r.get("images_per_s") / single));
      System.out.printf(
          Locale.ROOT,
          "   single JVM %d threads: %.0f images/s; Spark/single = " + "%.2f%n",
          cores,
          single,
          (Double) r.get("images_per_s") / single);
      byBatch.add(r);
    }
    json.put("throughput_by_batch", byBatch);
    jsc.stop();
    System.out.println(Json.writeCompact(json));
  }

  /** Trains a warm-up epoch and timed epochs; returns median figures of the timed ones. */
  /**
   * A Spark session with the project's settings, no UI and WARN logs: what the benches train on.
   */
  static JavaSparkContext start(String master, String appName) {
    SparkSession spark =
        SparkSettings.withDefaults(SparkSession.builder())
            .master(master)
            .appName(appName)
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  static Map<String, Object> run(
      JavaSparkContext jsc, String modelName, String sync, int partitions, int batch, int steps) {
    JavaRDD<ImageBlock> data = randomBlocks(jsc, partitions, batch * steps);
    Sequential model = model(modelName);
    TrainerOptions options =
        TrainerOptions.defaults()
            .with(BATCH_SIZE, batch)
            .with(EPOCHS, 3)
            .with(SYNC, sync)
            .with(SEED, 1L);
    List<EpochReport> h = new DistributedTrainer(jsc, model, options).fit(data, null, null);
    data.unpersist();
    List<EpochReport> timed = h.subList(1, h.size());
    double ms = median(timed.stream().mapToDouble(EpochReport::millisPerStep).toArray());
    double overhead =
        median(timed.stream().mapToDouble(EpochReport::overheadMillisPerStep).toArray());
    double compute =
        median(timed.stream().mapToDouble(EpochReport::computeMillisPerStep).toArray());
    double ips = median(timed.stream().mapToDouble(EpochReport::imagesPerSecond).toArray());
    double steady =
        median(timed.stream().mapToDouble(EpochReport::steadyImagesPerSecond).toArray());
    double teardown =
        median(timed.stream().mapToDouble(EpochReport::epochTeardownMillis).toArray());
    double startup = median(timed.stream().mapToDouble(EpochReport::epochStartupMillis).toArray());
    String used = h.get(0).sync();
    System.out.printf(
        Locale.ROOT,
        "%-5s params %,9d  %-11s partitions %d  batch %4d: "
            + "%7.2f ms/step = %7.2f compute + %6.2f overhead; epoch start %5.1f ms, end %5.1f "
            + "ms; %6.0f images/s (steady state %6.0f)%n",
        modelName,
        model.paramCount(),
        used,
        partitions,
        batch,
        ms,
        compute,
        overhead,
        startup,
        teardown,
        ips,
        steady);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", modelName);
    r.put("params", model.paramCount());
    r.put("sync", used);
    r.put("partitions", partitions);
    r.put("batch", batch);
    r.put("ms_per_step", round(ms));
    r.put("compute_ms_per_step", round(compute));
    r.put("overhead_ms_per_step", round(overhead));
    r.put("epoch_startup_ms", round(startup));
    r.put("epoch_teardown_ms", round(teardown));
    r.put("images_per_s", round(ips));
    r.put("steady_images_per_s", round(steady));
    return r;
  }

  /** Single-JVM fit of the seed model on the same random data: images/s, median of epochs 2-3. */
  static double singleJvm(int batch, int steps, int threads) {
    int n = batch * steps;
    Random r = new Random(2);
    float[] x = new float[n * 784];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextInt(256) / 255f;
    }
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(10);
    }
    Sequential m = model("seed");
    History h =
        m.fit(
            new Tensor(x, n, 28, 28, 1),
            Tensor.labels(labels),
            new FitOptions().batchSize(batch).epochs(3).threads(threads).seed(1));
    return median(
        h.epochs().subList(1, 3).stream().mapToDouble(History.Epoch::imagesPerSecond).toArray());
  }

  /**
   * tiny: Flatten-Dense(10), 7,850 weights (overhead dominates); seed: the Fashion-MNIST CNN,
   * 121,930; wide: the seed CNN with Dense(640), 1,033,930 (a 4 MB gradient per partition).
   */
  static Sequential model(String name) {
    Sequential m =
        name.equals("tiny")
            ? new Sequential()
                .add(new Flatten().inputShape(28, 28, 1))
                .add(new Dense(10, "softmax"))
            : SeedModels.fashionMnist(name.equals("wide") ? 640 : 64);
    return m.compile("sparse_categorical_crossentropy", new Adam(0.001), "accuracy");
  }

  /** Uniformly random 28x28x1 pixels and 10 classes, cached. */
  static JavaRDD<ImageBlock> randomBlocks(JavaSparkContext jsc, int partitions, int total) {
    return randomBlocks(jsc, partitions, total, new int[] {28, 28, 1}, 10, false);
  }

  /**
   * Random pixels and labels over {@code partitions} cached blocks of {@code total} rows; with
   * {@code halfBackground} about half the pixels are 0, as in Fashion-MNIST.
   */
  static JavaRDD<ImageBlock> randomBlocks(
      JavaSparkContext jsc,
      int partitions,
      int total,
      int[] shape,
      int classes,
      boolean halfBackground) {
    List<Integer> ids = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      ids.add(p);
    }
    int size = shape[0] * shape[1] * shape[2];
    JavaRDD<ImageBlock> blocks =
        jsc.parallelize(ids, partitions)
            .map(
                p -> {
                  int from = (int) ((long) total * p / partitions);
                  int n = (int) ((long) total * (p + 1) / partitions) - from;
                  Random r = new Random(p);
                  byte[] pixels = new byte[n * size];
                  if (halfBackground) {
                    for (int i = 0; i < pixels.length; i++) {
                      pixels[i] = r.nextBoolean() ? 0 : (byte) r.nextInt(256);
                    }
                  } else {
                    r.nextBytes(pixels);
                  }
                  int[] labels = new int[n];
                  long[] rowIds = new long[n];
                  for (int i = 0; i < n; i++) {
                    labels[i] = r.nextInt(classes);
                    rowIds[i] = from + i;
                  }
                  return new ImageBlock(shape[0], shape[1], shape[2], pixels, labels, rowIds);
                })
            .persist(StorageLevel.MEMORY_ONLY());
    blocks.count();
    return blocks;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
