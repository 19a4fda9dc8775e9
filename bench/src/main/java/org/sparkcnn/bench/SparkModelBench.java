package org.sparkcnn.bench;

import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.SEED;
import static org.sparkcnn.core.settings.TrainingSettings.SYNC;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.model.LayerTimes;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.TrainerOptions;

/**
 * Training speed of one seed model on Spark (scripts/bench --model NAME): the distributed trainer
 * on the session's cores (one partition per core, driver-sync), random data of the model's input
 * shape, a warm-up fit of one epoch, then a timed fit; prints images/s, ms per step split into
 * compute and overhead, and per layer the forward and backward time per step with its GFLOP/s. The
 * last line printed is one JSON object.
 *
 * <p>Models: {@code rgb64}, the second Keras primer's 64x64x3 model (Conv32-Pool-Conv64-Pool-
 * Dense128-Dense10, 40.9 MFLOP forward per image, a 12,544 x 128 dense layer), and {@code seed}
 * (the Fashion-MNIST CNN). Per-layer times come from {@code -Dsparkcnn.profile=true} (the tasks run
 * in this JVM in local mode): summed over the task threads and divided by their count. GFLOP/s
 * count 2 x multiply-adds; backward counts twice the forward FLOPs (weight and input gradients),
 * once for the first layer (no input gradient).
 *
 * <p>Usage: {@code SparkModelBench [--master local[2]] [--model rgb64] [--batch 32] [--steps 60]
 * [--epochs 2]}
 */
public final class SparkModelBench {
  private SparkModelBench() {}

  public static void main(String[] args) {
    String master = "local[2]";
    String name = "rgb64";
    int batch = 32;
    int steps = 60;
    int epochs = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--master" -> master = args[++i];
        case "--model" -> name = args[++i];
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--epochs" -> epochs = Integer.parseInt(args[++i]);
        default ->
            throw BenchArgs.unknown(
                "SparkModelBench",
                args[i],
                "--master URL, --model rgb64|seed, --batch N, --steps N or --epochs N");
      }
    }
    if (!LayerTimes.enabled()) {
      System.out.println(
          "(per-layer times need -D" + LayerTimes.PROPERTY + "=true; scripts/bench sets it)");
    }
    JavaSparkContext jsc = SparkBench.start(master, "spark-cnn model bench");
    int cores = jsc.defaultParallelism();
    Sequential probe = model(name);
    int[] in = probe.inputShape().dims();
    JavaRDD<ImageBlock> data = SparkBench.randomBlocks(jsc, cores, batch * steps, in, 10, true);

    // Warm-up (JIT), then the timed fit with fresh per-layer counters.
    fit(jsc, model(name), data, batch, 1);
    LayerTimes.reset();
    List<EpochReport> timed = fit(jsc, model(name), data, batch, epochs);
    Map<String, long[]> layerNanos = LayerTimes.snapshot();
    data.unpersist();
    jsc.stop();

    double ips =
        SparkBench.median(timed.stream().mapToDouble(EpochReport::imagesPerSecond).toArray());
    double ms = SparkBench.median(timed.stream().mapToDouble(EpochReport::millisPerStep).toArray());
    double compute =
        SparkBench.median(timed.stream().mapToDouble(EpochReport::computeMillisPerStep).toArray());
    double overhead =
        SparkBench.median(timed.stream().mapToDouble(EpochReport::overheadMillisPerStep).toArray());
    double forward = forwardFlops(probe);
    int totalSteps = timed.stream().mapToInt(EpochReport::steps).sum();
    System.out.printf(
        Locale.ROOT,
        "%s on %s: %,d params, %.1f MFLOP forward per image; global batch %d, %d partitions, %s%n"
            + "  %.0f images/s, %.1f GFLOP/s (training = 3 x forward); %.1f ms/step = %.1f "
            + "compute (slowest partition) + %.1f overhead%n",
        name,
        master,
        probe.paramCount(),
        forward / 1e6,
        batch,
        cores,
        timed.get(0).sync(),
        ips,
        ips * 3 * forward / 1e9,
        ms,
        compute,
        overhead);

    Map<String, Object> layers = layerTable(probe, layerNanos, totalSteps, batch, cores);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model", name);
    json.put("master", master);
    json.put("partitions", cores);
    json.put("batch", batch);
    json.put("params", probe.paramCount());
    json.put("forward_mflop_per_image", forward / 1e6);
    json.put("images_per_s", round(ips));
    json.put("gflops", round(ips * 3 * forward / 1e9));
    json.put("ms_per_step", round(ms));
    json.put("compute_ms_per_step", round(compute));
    json.put("overhead_ms_per_step", round(overhead));
    json.put("layers", layers);
    json.put("java", System.getProperty("java.version"));
    System.out.println(Json.writeCompact(json));
  }

  private static List<EpochReport> fit(
      JavaSparkContext jsc, Sequential model, JavaRDD<ImageBlock> data, int batch, int epochs) {
    TrainerOptions options =
        TrainerOptions.defaults()
            .with(BATCH_SIZE, batch)
            .with(EPOCHS, epochs)
            .with(SYNC, "driver-sync")
            .with(SEED, 1L);
    return new DistributedTrainer(jsc, model, options).fit(data, null, null);
  }

  /**
   * Per layer: forward and backward ms per step (per task thread) and GFLOP/s, from the profile
   * counters; prints one line per layer.
   */
  private static Map<String, Object> layerTable(
      Sequential model, Map<String, long[]> nanos, int steps, int batch, int tasks) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (nanos.isEmpty()) {
      return out;
    }
    // Each task computes its share of the global batch.
    double imagesPerTask = (double) batch / tasks;
    System.out.println(
        "  per layer, per step and task (" + imagesPerTask + " images): forward | backward");
    boolean first = true;
    for (Layer l : model.layers()) {
      double flops = layerFlops(l);
      long[] t = sum(nanos, l.name());
      double f = t[0] / 1e6 / steps / tasks;
      double b = t[1] / 1e6 / steps / tasks;
      double fg = flops == 0 || f == 0 ? 0 : flops * imagesPerTask / (f * 1e6);
      double bg = flops == 0 || b == 0 ? 0 : (first ? 1 : 2) * flops * imagesPerTask / (b * 1e6);
      System.out.printf(
          Locale.ROOT,
          "    %-16s %7.2f ms %6.1f GFLOP/s | %7.2f ms %6.1f GFLOP/s%n",
          l.name(),
          f,
          fg,
          b,
          bg);
      out.put(l.name(), List.of(round(f), round(fg), round(b), round(bg)));
      if (flops > 0) {
        first = false;
      }
    }
    long[] loss = nanos.getOrDefault("loss", new long[2]);
    out.put("loss_ms", round(loss[0] / 1e6 / steps / tasks));
    return out;
  }

  /** A layer's counters plus those of the activation nodes named after it ("conv2d.relu"). */
  private static long[] sum(Map<String, long[]> nanos, String layer) {
    long[] t = new long[2];
    nanos.forEach(
        (k, v) -> {
          if (k.equals(layer) || k.startsWith(layer + ".")) {
            t[0] += v[0];
            t[1] += v[1];
          }
        });
    return t;
  }

  /** 2 x multiply-adds of a Conv2D or Dense layer per image; 0 for the others. */
  static double layerFlops(Layer l) {
    if (l instanceof Conv2D c) {
      var g = c.window();
      return 2.0 * g.outputPixels() * c.filters() * g.kernelH() * g.kernelW() * g.channels();
    }
    if (l instanceof Dense d) {
      return 2.0 * (d.paramCount() - d.units());
    }
    return 0;
  }

  static double forwardFlops(Sequential m) {
    double f = 0;
    for (Layer l : m.layers()) {
      f += layerFlops(l);
    }
    return f;
  }

  /** rgb64: the second primer's 64x64x3 model; seed: the Fashion-MNIST CNN. */
  static Sequential model(String name) {
    Sequential m = new Sequential();
    switch (name) {
      case "rgb64" ->
          m.add(new Conv2D(32, 3).activation("relu").inputShape(64, 64, 3))
              .add(new MaxPooling2D(2))
              .add(new Conv2D(64, 3).activation("relu"))
              .add(new MaxPooling2D(2))
              .add(new Flatten())
              .add(new Dense(128, "relu"))
              .add(new Dense(10, "softmax"));
      case "seed" -> {
        return SparkBench.model("seed");
      }
      default ->
          throw ErrorText.problem("unknown model")
              .in("SparkModelBench --model")
              .received(ErrorText.quote(name))
              .expected("rgb64 or seed")
              .illegalArgument();
    }
    return m.compile("sparse_categorical_crossentropy", new Adam(0.001), "accuracy");
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
