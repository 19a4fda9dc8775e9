package org.sparkcnn.bench;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.kernels.KernelSelector;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.tensor.Window2D;

/**
 * The rgb64 model's layer kernels one by one, at the 16 images a Spark task of a batch-32 step
 * gets: conv1 (64x64x3 to 62x62x32) forward and weight gradient, pool1, conv2 (31x31x32 to
 * 29x29x64) forward and both gradients, pool2, the 12,544 x 128 dense layer forward and both
 * gradients. Reported per kernel: thread CPU time (median of {@code --reps} calls after a warm-up
 * of at least {@code --warmup-ms}, 3 s), GFLOP/s for the products, and bytes allocated per call (a
 * Vector API tile that boxes allocates; a sound one does not).
 *
 * <p>Why 3 s: a tile runs as C1 code until C2 has compiled it, and C1 code does every vector
 * operation through the Java fallback, allocating each vector. With the former 0.4 s and the cores
 * shared (load 9), conv2's tiles were still in C1 when timed: 7.06 ms and 1.1 MB allocated per
 * forward call, 2.9 ms and 0 B after 5 s (-XX:+PrintCompilation shows the tier-4 compile land in
 * between). A lone run on an idle machine needs less; a loaded one may need more.
 *
 * <p>With {@code --baseline DIR}, DIR being another build's {@code core/target/classes}, that
 * build's {@code VectorKernels} is loaded in a child-first class loader and run interleaved with
 * this one's, call by call in the same JVM, so both see the same load: the speed-up column is the
 * comparison to quote from a shared machine. The last line printed is one JSON object.
 *
 * <p>Usage: {@code KernelBench [--images 16] [--reps 21] [--warmup-ms 3000] [--baseline DIR]}.
 */
public final class KernelBench {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  private KernelBench() {}

  /** One kernel call on the given implementation. */
  private interface Call {
    void run(Kernels k);
  }

  private record Case(String name, double flops, Call call) {}

  public static void main(String[] args) throws Exception {
    int images = 16;
    int reps = 21;
    long warmupMillis = 3000;
    Path baseline = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--images" -> images = Integer.parseInt(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--warmup-ms" -> warmupMillis = Long.parseLong(args[++i]);
        case "--baseline" -> baseline = Path.of(args[++i]);
        default ->
            throw BenchArgs.unknown(
                "KernelBench", args[i], "--images N, --reps N, --warmup-ms N or --baseline DIR");
      }
    }
    Kernels mine = KernelSelector.get();
    Kernels base = baseline == null ? null : load(baseline);
    System.out.println(
        "kernels: "
            + mine.name()
            + (base == null ? "" : "; baseline " + base.name() + " from " + baseline)
            + "; "
            + images
            + " images, median of "
            + reps
            + " calls, thread CPU time");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Case c : cases(images)) {
      warmUp(c, mine, base, warmupMillis);
      long[] t = new long[reps];
      long[] b = new long[reps];
      for (int r = 0; r < reps; r++) {
        t[r] = cpuNanos(c.call(), mine);
        if (base != null) {
          b[r] = cpuNanos(c.call(), base);
        }
      }
      double ms = median(t) / 1e6;
      long alloc = allocatedPerCall(c.call(), mine);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("kernel", c.name());
      row.put("ms", round(ms));
      row.put("gflops", c.flops() > 0 ? round(c.flops() / ms / 1e6) : 0);
      row.put("alloc_bytes", alloc);
      String line =
          String.format(
              Locale.ROOT,
              "  %-34s %8.3f ms %7.1f GFLOP/s %9d B/call",
              c.name(),
              ms,
              c.flops() > 0 ? c.flops() / ms / 1e6 : 0.0,
              alloc);
      if (base != null) {
        double baseMs = median(b) / 1e6;
        row.put("baseline_ms", round(baseMs));
        row.put("speedup", round(baseMs / ms));
        line += String.format(Locale.ROOT, " | baseline %8.3f ms: %.2fx", baseMs, baseMs / ms);
      }
      System.out.println(line);
      rows.add(row);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("kernels", mine.name());
    summary.put("images", images);
    summary.put("cases", rows);
    System.out.println(Json.writeCompact(summary));
  }

  /** The rgb64 layers' kernels on random inputs (relu fused where the model fuses it). */
  private static List<Case> cases(int n) {
    Random r = new Random(1);
    Window2D c1 = new Window2D(64, 64, 3, 3, 3, 1, 1, 0, 0, 62, 62);
    Window2D p1 = new Window2D(62, 62, 32, 2, 2, 2, 2, 0, 0, 31, 31);
    Window2D c2 = new Window2D(31, 31, 32, 3, 3, 1, 1, 0, 0, 29, 29);
    Window2D p2 = new Window2D(29, 29, 64, 2, 2, 2, 2, 0, 0, 14, 14);
    int in = 14 * 14 * 64;
    int out = 128;
    int k1 = 0;
    int b1 = k1 + 27 * 32;
    int k2 = b1 + 32;
    int b2 = k2 + 288 * 64;
    int k3 = b2 + 64;
    int b3 = k3 + in * out;
    float[] params = random(r, b3 + out);
    float[] grads = new float[params.length];
    float[] x1 = random(r, n * c1.inputSize());
    float[] y1 = random(r, n * c1.outputPixels() * 32);
    float[] dy1 = random(r, y1.length);
    float[] y1p = new float[n * p1.outputPixels() * 32];
    float[] dy1p = random(r, y1p.length);
    float[] x2 = random(r, n * c2.inputSize());
    float[] y2 = random(r, n * c2.outputPixels() * 64);
    float[] dy2 = random(r, y2.length);
    float[] dx2 = new float[x2.length];
    float[] y2p = new float[n * p2.outputPixels() * 64];
    float[] dy2p = random(r, y2p.length);
    float[] dx2p = new float[y2.length];
    float[] x3 = random(r, n * in);
    float[] y3 = new float[n * out];
    float[] dy3 = random(r, n * out);
    float[] dx3 = new float[n * in];
    double conv1 = 2.0 * n * c1.outputPixels() * 27 * 32;
    double conv2 = 2.0 * n * c2.outputPixels() * 288 * 64;
    double dense = 2.0 * n * in * out;
    Activation relu = Activation.RELU;
    return List.of(
        new Case(
            "conv1 forward + relu",
            conv1,
            k -> k.conv2dForward(c1, 32, n, x1, params, k1, b1, relu, y1)),
        new Case(
            "conv1 weight + bias gradient",
            conv1,
            k -> k.conv2dBackwardParams(c1, 32, n, x1, dy1, grads, k1, b1)),
        new Case("pool1 forward", 0, k -> k.maxPool2dForward(p1, n, y1, y1p)),
        new Case("pool1 backward + relu", 0, k -> k.maxPool2dBackwardRelu(p1, n, y1, dy1p, dy1)),
        new Case(
            "conv2 forward + relu",
            conv2,
            k -> k.conv2dForward(c2, 64, n, x2, params, k2, b2, relu, y2)),
        new Case(
            "conv2 weight + bias gradient",
            conv2,
            k -> k.conv2dBackwardParams(c2, 64, n, x2, dy2, grads, k2, b2)),
        new Case(
            "conv2 input gradient",
            conv2,
            k -> k.conv2dBackwardInput(c2, 64, n, dy2, params, k2, dx2)),
        new Case("pool2 forward", 0, k -> k.maxPool2dForward(p2, n, y2, y2p)),
        new Case("pool2 backward + relu", 0, k -> k.maxPool2dBackwardRelu(p2, n, y2, dy2p, dx2p)),
        new Case(
            "dense forward + relu",
            dense,
            k -> k.denseForward(n, in, out, x3, params, k3, b3, relu, y3)),
        new Case(
            "dense input gradient",
            dense,
            k -> k.denseBackwardInput(n, in, out, dy3, params, k3, dx3)),
        new Case(
            "dense weight + bias gradient",
            dense,
            k -> k.denseBackwardParams(n, in, out, x3, dy3, grads, k3, b3)));
  }

  /**
   * The baseline build's VectorKernels: its kernel classes from dir, everything else (the Kernels
   * interface, Window2D, Activation) shared with this build so both run behind one interface.
   */
  private static Kernels load(Path dir) throws Exception {
    if (!Files.isRegularFile(dir.resolve("org/sparkcnn/core/kernels/VectorKernels.class"))) {
      throw ErrorText.problem("not a build's core classes folder")
          .in("KernelBench --baseline")
          .received(dir)
          .expected("a folder holding org/sparkcnn/core/kernels/VectorKernels.class")
          .hint("another clone's core/target/classes after mvn compile")
          .illegalArgument();
    }
    ClassLoader loader =
        new ChildFirstKernels(new URL[] {dir.toUri().toURL()}, KernelBench.class.getClassLoader());
    return (Kernels)
        loader.loadClass("org.sparkcnn.core.kernels.VectorKernels").getConstructor().newInstance();
  }

  /** Loads org.sparkcnn.core.kernels.* but the Kernels interface from its own URLs first. */
  private static final class ChildFirstKernels extends URLClassLoader {
    ChildFirstKernels(URL[] urls, ClassLoader parent) {
      super(urls, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        if (name.startsWith("org.sparkcnn.core.kernels.")
            && !name.equals(Kernels.class.getName())) {
          Class<?> c = findLoadedClass(name);
          if (c == null) {
            c = findClass(name);
          }
          if (resolve) {
            resolveClass(c);
          }
          return c;
        }
        return super.loadClass(name, resolve);
      }
    }
  }

  private static void warmUp(Case c, Kernels mine, Kernels base, long warmupMillis) {
    long end = System.nanoTime() + warmupMillis * 1_000_000L;
    for (int i = 0; i < 10 || System.nanoTime() < end; i++) {
      c.call().run(mine);
      if (base != null) {
        c.call().run(base);
      }
    }
  }

  private static long cpuNanos(Call call, Kernels k) {
    long start = THREADS.getCurrentThreadCpuTime();
    call.run(k);
    return THREADS.getCurrentThreadCpuTime() - start;
  }

  private static long allocatedPerCall(Call call, Kernels k) {
    long start = THREADS.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 10; i++) {
      call.run(k);
    }
    return (THREADS.getCurrentThreadAllocatedBytes() - start) / 10;
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static float[] random(Random r, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return v;
  }
}
