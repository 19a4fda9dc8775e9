package org.sparkcnn.bench;

import com.sun.management.ThreadMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.kernels.KernelSelector;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.FitOptions;
import org.sparkcnn.core.model.LayerTimes;
import org.sparkcnn.core.model.SeedModels;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.tensor.Tensor;

/**
 * Throughput of the engine on one JVM: trains the seed model (Conv32-Pool-Conv64-Pool-Dense64-
 * Dense10) on random data of Fashion-MNIST's shape for a fixed number of steps, at batch 32 and 128
 * with 1 and 2 threads, then times inference at batch 256 and the single-threaded per-partition
 * path that a Spark task runs ({@link Sequential#computeGradient} + Adam).
 *
 * <p>Each training configuration is one {@code fit} of two epochs of {@code steps} steps: the first
 * warms the JIT up, the second is timed. Reported: images/s, GFLOP/s (training counts 3x the
 * forward FLOPs, 5.056 MFLOP per image for the seed model), bytes allocated per step by all
 * threads, the share of wall time spent in GC, and a per-layer breakdown. The last line printed is
 * one JSON object with every figure.
 *
 * <p>Usage: {@code CoreBench [--steps N] [--threads 1,2] [--batches 32,128] [--infer-batch 256]}.
 * Run it through {@code scripts/bench}, which adds the JVM flags.
 */
public final class CoreBench {
  private static final int CLASSES = 10;

  private CoreBench() {}

  public static void main(String[] args) {
    // Before any model class loads: the timing hook is a static final flag.
    System.setProperty(LayerTimes.PROPERTY, "true");
    int steps = 100;
    int inferBatch = 256;
    int[] threadCounts = {1, 2};
    int[] batches = {32, 128};
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--infer-batch" -> inferBatch = Integer.parseInt(args[++i]);
        case "--threads" -> threadCounts = ints(args[++i]);
        case "--batches" -> batches = ints(args[++i]);
        default ->
            throw BenchArgs.unknown(
                "CoreBench",
                args[i],
                "--steps N, --threads 1,2, --batches 32,128 or --infer-batch N");
      }
    }
    Sequential probe = seedModel();
    double forwardFlops = forwardFlops(probe);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("section", "core");
    json.put("jdk", Runtime.version().toString());
    json.put("kernels", KernelSelector.get().name());
    json.put("cores", Runtime.getRuntime().availableProcessors());
    json.put("steps", steps);
    json.put("forward_mflop_per_image", forwardFlops / 1e6);
    System.out.printf(
        Locale.ROOT,
        "spark-cnn core bench: JDK %s, kernels %s, %d cores, seed "
            + "model %d params, %.3f MFLOP forward per image, %d timed steps%n",
        Runtime.version(),
        KernelSelector.get().name(),
        Runtime.getRuntime().availableProcessors(),
        probe.paramCount(),
        forwardFlops / 1e6,
        steps);

    List<Object> train = new ArrayList<>();
    for (int batch : batches) {
      for (int threads : threadCounts) {
        train.add(train(batch, threads, steps, forwardFlops));
      }
    }
    json.put("train", train);
    json.put("task_path", taskPath(128, steps, forwardFlops));
    json.put("infer", infer(inferBatch, steps, forwardFlops));
    System.out.println(Json.writeCompact(json));
  }

  /** The seed model, compiled like the Keras primer: sparse cross-entropy, Adam 1e-3. */
  static Sequential seedModel() {
    Sequential m = SeedModels.fashionMnist();
    m.seed(1).compile("sparse_categorical_crossentropy", new Adam(1e-3), "accuracy");
    return m;
  }

  /** 2 x the multiply-adds of convolutions and dense layers (no bias, activation, pooling). */
  static double forwardFlops(Sequential m) {
    double flops = 0;
    for (Layer l : m.layers()) {
      if (l instanceof Conv2D c) {
        var g = c.window();
        flops += 2.0 * g.outputPixels() * c.filters() * g.kernelH() * g.kernelW() * g.channels();
      } else if (l instanceof Dense d) {
        flops += 2.0 * (d.paramCount() - d.units());
      }
    }
    return flops;
  }

  private static Map<String, Object> train(int batch, int threads, int steps, double forwardFlops) {
    Sequential model = seedModel();
    int n = steps * batch;
    Tensor x = images(n, 7);
    Tensor y = labels(n, 8);
    Snapshot[] marks = new Snapshot[3];
    marks[0] = Snapshot.take();
    int[] epoch = {0};
    LayerTimes.reset();
    model.fit(
        x,
        y,
        new FitOptions()
            .batchSize(batch)
            .threads(threads)
            .epochs(2)
            .seed(3)
            .onEpochEnd(
                e -> {
                  marks[++epoch[0]] = Snapshot.take();
                  if (epoch[0] == 1) {
                    LayerTimes.reset();
                  }
                }));
    Map<String, long[]> layers = LayerTimes.snapshot();
    Snapshot a = marks[1];
    Snapshot b = marks[2];
    double seconds = (b.nanos - a.nanos) / 1e9;
    double ips = n / seconds;
    double gflops = ips * 3 * forwardFlops / 1e9;
    long allocPerStep = (b.allocated - a.allocated) / steps;
    double gcShare = (b.gcMillis - a.gcMillis) / 1e3 / seconds;
    System.out.printf(
        Locale.ROOT,
        "train batch %4d threads %d: %8.0f images/s %6.1f GFLOP/s  "
            + "%5.1f ms/step  alloc %d B/step  GC %.2f%% of time (%d collections)%n",
        batch,
        threads,
        ips,
        gflops,
        seconds * 1e3 / steps,
        allocPerStep,
        100 * gcShare,
        b.gcCount - a.gcCount);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("batch", batch);
    r.put("threads", threads);
    r.put("images_per_s", round(ips));
    r.put("gflops", round(gflops));
    r.put("ms_per_step", round(seconds * 1e3 / steps));
    r.put("alloc_bytes_per_step", allocPerStep);
    r.put("gc_time_share", gcShare);
    r.put("layers_ms_per_step", breakdown(layers, steps, seconds * 1e3 / steps, threads));
    return r;
  }

  /**
   * The Spark task's path: computeGradient on one thread over batches of its partition, then the
   * optimizer step; allocation measured on this thread alone.
   */
  private static Map<String, Object> taskPath(int batch, int steps, double forwardFlops) {
    Sequential model = seedModel();
    Tensor x = images(batch, 9);
    Tensor y = labels(batch, 10);
    float[] params = model.parameters();
    float[] grads = new float[params.length];
    StepContext ctx = new StepContext(true, 1, null);
    var bean = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long started = 0;
    long allocated = 0;
    for (int s = 0; s < 2 * steps; s++) {
      if (s == steps) {
        started = System.nanoTime();
        allocated = bean.getCurrentThreadAllocatedBytes();
      }
      Arrays.fill(grads, 0f);
      BatchStats stats = model.computeGradient(params, x.data(), y.data(), batch, ctx, grads);
      float scale = (float) (1.0 / stats.count());
      for (int i = 0; i < grads.length; i++) {
        grads[i] *= scale;
      }
      model.optimizer().apply(params, grads);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    long perStep = (bean.getCurrentThreadAllocatedBytes() - allocated) / steps;
    double ips = (double) steps * batch / seconds;
    System.out.printf(
        Locale.ROOT,
        "task path batch %d, 1 thread (computeGradient + Adam): "
            + "%8.0f images/s %6.1f GFLOP/s  alloc %d B/step%n",
        batch,
        ips,
        ips * 3 * forwardFlops / 1e9,
        perStep);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("batch", batch);
    r.put("threads", 1);
    r.put("images_per_s", round(ips));
    r.put("gflops", round(ips * 3 * forwardFlops / 1e9));
    r.put("alloc_bytes_per_step", perStep);
    return r;
  }

  private static Map<String, Object> infer(int batch, int steps, double forwardFlops) {
    Sequential model = seedModel();
    int n = Math.max(batch * 8, steps * batch / 4);
    Tensor x = images(n, 11);
    model.predict(x, batch);
    LayerTimes.reset();
    long started = System.nanoTime();
    int passes = 3;
    for (int p = 0; p < passes; p++) {
      model.predict(x, batch);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double ips = (double) passes * n / seconds;
    int threads = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        Locale.ROOT,
        "infer batch %d threads %d: %8.0f images/s %6.1f GFLOP/s%n",
        batch,
        threads,
        ips,
        ips * forwardFlops / 1e9);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("batch", batch);
    r.put("threads", threads);
    r.put("images_per_s", round(ips));
    r.put("gflops", round(ips * forwardFlops / 1e9));
    int batches = passes * ((n + batch - 1) / batch);
    r.put(
        "layers_ms_per_batch",
        breakdown(LayerTimes.snapshot(), batches, seconds * 1e3 / batches, threads));
    return r;
  }

  /**
   * Per node: forward and backward milliseconds per step, summed over threads and divided by the
   * thread count (so the column adds up to about the step time when threads stay busy).
   */
  private static Map<String, Object> breakdown(
      Map<String, long[]> times, int steps, double msPerStep, int threads) {
    Map<String, Object> out = new LinkedHashMap<>();
    double total = 0;
    StringBuilder line = new StringBuilder("    per step (ms, fwd/bwd):");
    for (Map.Entry<String, long[]> e : times.entrySet()) {
      double f = e.getValue()[0] / 1e6 / steps / threads;
      double b = e.getValue()[1] / 1e6 / steps / threads;
      if (f + b == 0) {
        continue;
      }
      total += f + b;
      out.put(e.getKey(), List.of(round(f), round(b)));
      line.append(String.format(Locale.ROOT, "  %s %.2f/%.2f", e.getKey(), f, b));
    }
    line.append(String.format(Locale.ROOT, "  | layers %.2f of %.2f", total, msPerStep));
    System.out.println(line);
    out.put("other", round(Math.max(0, msPerStep - total)));
    return out;
  }

  private static Tensor images(int n, long seed) {
    Random r = new Random(seed);
    float[] data = new float[n * 28 * 28];
    for (int i = 0; i < data.length; i++) {
      // Like Fashion-MNIST scaled to [0, 1]: about half the pixels are background.
      data[i] = r.nextBoolean() ? 0f : r.nextFloat();
    }
    return new Tensor(data, n, 28, 28, 1);
  }

  private static Tensor labels(int n, long seed) {
    Random r = new Random(seed);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(CLASSES);
    }
    return Tensor.labels(labels);
  }

  private static int[] ints(String csv) {
    String[] parts = csv.split(",");
    int[] v = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      v[i] = Integer.parseInt(parts[i].trim());
    }
    return v;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Wall clock, bytes allocated by all live threads, and GC totals at one moment. */
  private record Snapshot(long nanos, long allocated, long gcMillis, long gcCount) {
    static Snapshot take() {
      var bean = (ThreadMXBean) ManagementFactory.getThreadMXBean();
      long bytes = 0;
      for (long b : bean.getThreadAllocatedBytes(bean.getAllThreadIds())) {
        bytes += Math.max(b, 0);
      }
      long gcMillis = 0;
      long gcCount = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        gcMillis += Math.max(gc.getCollectionTime(), 0);
        gcCount += Math.max(gc.getCollectionCount(), 0);
      }
      return new Snapshot(System.nanoTime(), bytes, gcMillis, gcCount);
    }
  }
}
