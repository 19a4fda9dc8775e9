package org.sparkcnn.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.core.optim.Sgd;
import org.sparkcnn.core.settings.TrainingSettings;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.SparkSettings;
import org.sparkcnn.spark.SyncTraffic;
import org.sparkcnn.spark.TrainerOptions;

/**
 * How the driver-sync exchange scales with the number of executors (scripts/bench --section scale):
 * P task threads of one local[P] JVM, each acting as its own executor ({@link
 * SyncTraffic#SIMULATE_EXECUTORS}: own authenticated connection to the driver, own peer server),
 * run the real exchange code of each topology for a model of M weights whose compute is negligible
 * (Flatten then one Dense layer, one image per executor per step, Adam unless {@code --optimizer
 * sgd}: its moments go out with the weights at every launch). Per (M, topology, P): the step's
 * overhead (wall time minus compute), the bytes the driver and each executor send and receive per
 * step, the driver's share of all bytes sent and received, and the exchange CPU time of the driver
 * and of each executor per step (thread CPU time: on this machine's few cores the P simulated nodes
 * share the CPU, so wall time grows with P even where each node's work does not; the per-node CPU
 * time is what a cluster with a core per node would see). The last line is one JSON object.
 *
 * <p>A sharded run of P simulated executors holds both ends of every peer connection in this one
 * process: P log2 P sockets where the executors exchange by recursive halving (P a power of two
 * from 4), P (P - 1) over the full mesh; a P the process's file descriptor limit cannot hold is
 * skipped with a line saying so (scripts/bench raises the soft limit to the hard one).
 *
 * <p>Usage: ScaleBench [--max-executors 256] [--steps 4] [--outputs 155,1338] [--star-max 32]
 * [--large-max 64] [--optimizer adam|sgd]
 */
public final class ScaleBench {
  private ScaleBench() {}

  public static void main(String[] args) {
    // The 1.05M model's buffers at P = 128 exceed the default 8 GB heap: 64 there (256 ran in 16
    // GB, scripts/bench's SCALE_HEAP). See fdsNeeded for the file descriptors.
    int maxP = 256;
    int largeMax = 64;
    int steps = 4;
    int starMax = 32;
    String optimizer = "adam";
    double linkGbit = 10;
    double hopMicros = 50;
    java.nio.file.Path projectFrom = null;
    int[] outputs = {155, 1338}; // 784 x k + k = 121,675 and 1,050,330 weights
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--max-executors" -> maxP = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--star-max" -> starMax = Integer.parseInt(args[++i]);
        case "--large-max" -> largeMax = Integer.parseInt(args[++i]);
        case "--optimizer" -> {
          optimizer = args[++i];
          if (!optimizer.equals("adam") && !optimizer.equals("sgd")) {
            throw BenchArgs.unknown("ScaleBench --optimizer", optimizer, "adam or sgd");
          }
        }
        case "--project" -> projectFrom = java.nio.file.Path.of(args[++i]);
        case "--link-gbit" -> linkGbit = Double.parseDouble(args[++i]);
        case "--hop-us" -> hopMicros = Double.parseDouble(args[++i]);
        case "--outputs" -> {
          String[] v = args[++i].split(",");
          outputs = new int[v.length];
          for (int j = 0; j < v.length; j++) {
            outputs[j] = Integer.parseInt(v[j].trim());
          }
        }
        default ->
            throw BenchArgs.unknown(
                "ScaleBench",
                args[i],
                "--max-executors N, --large-max N, --steps N, --star-max N, --outputs K,K,"
                    + " --optimizer adam|sgd, --link-gbit G, --hop-us U or --project FILE");
      }
    }
    Network net = new Network(linkGbit * 1e9 / 8, hopMicros * 1e-6);
    if (projectFrom != null) {
      // Re-fit and project from an earlier run's last line (no Spark).
      projectFrom(projectFrom, net);
      return;
    }
    System.setProperty(SyncTraffic.SIMULATE_EXECUTORS, "true");
    SparkSession spark =
        SparkSettings.withDefaults(SparkSession.builder())
            .master("local[" + maxP + "]")
            .appName("spark-cnn scale bench")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("cores", Runtime.getRuntime().availableProcessors());
    json.put("optimizer", optimizer);
    System.out.println(
        "optimizer: " + optimizer + " (its state goes out with the weights at launch)");
    List<Object> rows = new ArrayList<>();
    System.out.println(
        "weights   topology  P   | step ms  compute  exchange | driver out/in per step (x M floats)"
            + " share | executor out/in (x M) | exchange CPU ms/step: driver, per executor | peers");
    long fds = maxFds();
    for (int k : outputs) {
      for (String topology : List.of("star", "sharded")) {
        for (int p = 1; p <= maxP; p *= 2) {
          if ((topology.equals("star") && p > starMax) || (k > 1000 && p > largeMax)) {
            break;
          }
          if (fdsNeeded(p, topology.equals("sharded")) > fds) {
            System.out.printf(
                Locale.ROOT,
                "%-18s %4d | skipped: needs about %,d file descriptors in this one process; the"
                    + " limit is %,d%n",
                topology,
                p,
                fdsNeeded(p, true),
                fds);
            break;
          }
          rows.add(run(jsc, k, topology, p, steps, optimizer));
        }
      }
    }
    json.put("runs", rows);
    spark.stop();
    json.put("projection", project(rows, net));
    System.out.println(Json.writeCompact(json));
  }

  /** This process's file descriptor limit (unbounded where the JVM cannot tell). */
  private static long maxFds() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.UnixOperatingSystemMXBean unix
        ? unix.getMaxFileDescriptorCount()
        : Long.MAX_VALUE;
  }

  /**
   * File descriptors a run of p simulated executors holds: both ends of every peer connection
   * (sharded: log2 p partners each where HalvingExchange applies, p a power of two from 4, else p -
   * 1), both ends of every driver connection, a peer port each, Spark's own (~2,000).
   */
  static long fdsNeeded(int p, boolean sharded) {
    long partners = halving(p) ? Integer.numberOfTrailingZeros(p) : p - 1;
    return (sharded ? p * partners + p : 0) + 2L * p + 2_000;
  }

  /** Whether p executors exchange by recursive halving (HalvingExchange.applies). */
  static boolean halving(int p) {
    return p >= 4 && Integer.bitCount(p) == 1;
  }

  @SuppressWarnings("unchecked")
  private static void projectFrom(java.nio.file.Path file, Network net) {
    try {
      List<String> lines = java.nio.file.Files.readAllLines(file);
      String last = lines.get(lines.size() - 1);
      Map<String, Object> json = Json.parseObject(last, file.toString());
      Object runs =
          json.containsKey("scale")
              ? ((Map<String, Object>) json.get("scale")).get("runs")
              : json.get("runs");
      List<Object> rows = new ArrayList<>();
      for (Object o : (List<Object>) runs) {
        Map<String, Object> r = new LinkedHashMap<>((Map<String, Object>) o);
        r.replaceAll(
            (key, v) ->
                v instanceof Number n && !key.equals("weights") && !key.equals("executors")
                    ? n.doubleValue()
                    : v);
        rows.add(r);
      }
      System.out.println(Json.writeCompact(project(rows, net)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * What the projection assumes of the network: every node's link, bytes per second (default 10
   * GbE, --link-gbit), and one hop's latency, a small message and its handling, seconds (default 50
   * us, --hop-us).
   */
  record Network(double linkBytesPerS, double hopS) {}

  /** The fitted costs and the network: what {@link #exchange} needs. */
  record Costs(double perByte, double perFrame, Network net) {}

  /**
   * Fits each node's exchange CPU time per step to {@code k x bytes it moves + m x frames it
   * handles} (least squares over every run, k and m not negative), then projects a step's exchange
   * on a cluster of E executors: the link time of the busiest node on the step's path (the driver
   * in the star, an executor in the sharded topology; two phases each), plus the fitted CPU time of
   * that node and the optimizer's, plus a hop latency per phase. With a compute time per step C
   * that stays constant as E grows (weak scaling: a fixed batch per executor), the throughput
   * speed-up over one executor is E (C + X(1)) / (C + X(E)); sharded, the step takes at least the
   * driver's own time per step (receiving M floats, its optimizer step), which overlaps the
   * executors' step.
   */
  private static Map<String, Object> project(List<Object> rows, Network net) {
    // Least squares for (k, m) over (bytes, frames, cpu) of every node measured.
    double sbb = 0, sbf = 0, sff = 0, sbc = 0, sfc = 0;
    for (Object o : rows) {
      @SuppressWarnings("unchecked")
      Map<String, Object> r = (Map<String, Object>) o;
      long m = ((Number) r.get("weights")).longValue();
      int e = ((Number) r.get("executors")).intValue();
      boolean sharded = r.get("topology").equals("sharded");
      double[][] nodes = {
        {
          4.0
              * m
              * ((Double) r.get("driver_sent_per_step_x_m")
                  + (Double) r.get("driver_received_per_step_x_m")),
          sharded ? e : 2.0 * e,
          (Double) r.get("driver_cpu_ms_per_step") / 1e3
        },
        {
          4.0
              * m
              * ((Double) r.get("executor_sent_per_step_x_m")
                  + (Double) r.get("executor_received_per_step_x_m")),
          sharded ? 1.0 + 4.0 * partners(r, e) : 2.0,
          (Double) r.get("executor_cpu_ms_per_step") / 1e3
        }
      };
      for (double[] n : nodes) {
        sbb += n[0] * n[0];
        sbf += n[0] * n[1];
        sff += n[1] * n[1];
        sbc += n[0] * n[2];
        sfc += n[1] * n[2];
      }
    }
    double det = sbb * sff - sbf * sbf;
    double k = (sbc * sff - sfc * sbf) / det;
    double perFrame = (sbb * sfc - sbf * sbc) / det;
    // Neither cost can be negative: where noise (other processes on the cores) makes one so, fit
    // the other alone (least squares with non-negative coefficients).
    if (perFrame < 0) {
      perFrame = 0;
      k = sbc / sbb;
    } else if (k < 0) {
      k = 0;
      perFrame = sfc / sff;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cpu_ns_per_byte", round(k * 1e9));
    out.put("cpu_us_per_frame", round(perFrame * 1e6));
    out.put("link_gbit_per_s", net.linkBytesPerS() * 8 / 1e9);
    out.put("hop_latency_us", net.hopS() * 1e6);
    System.out.printf(
        Locale.ROOT,
        "%nfitted exchange CPU per node: %.3f ns per byte moved + %.1f us per frame handled%n"
            + "projection: links of %.2f GB/s, %.0f us per hop; weak scaling (a fixed batch"
            + " per executor)%n",
        k * 1e9,
        perFrame * 1e6,
        net.linkBytesPerS() / 1e9,
        net.hopS() * 1e6);
    Costs costs = new Costs(k, perFrame, net);
    List<Object> curves = new ArrayList<>();
    // The two models' compute per step at 64 images per executor (docs/performance.md).
    double[][] models = {{121_930, 64 * 0.5e-3}, {1_049_866, 64 * 1.15e-3}};
    for (double[] model : models) {
      long m = (long) model[0];
      double c = model[1];
      System.out.printf(
          Locale.ROOT,
          "M = %,d weights, compute %.0f ms per step:%n   E | star: exchange ms, speed-up |"
              + " sharded: exchange ms, speed-up | driver MB per step star / sharded%n",
          m,
          c * 1e3);
      double star1 = exchange(false, 1, m, costs);
      double sharded1 = exchange(true, 1, m, costs);
      for (int e = 1; e <= 256; e *= 2) {
        double xs = exchange(false, e, m, costs);
        double xh = exchange(true, e, m, costs);
        double ss = e * (c + star1) / (c + xs);
        // The driver takes each step's sums and applies them to its copy while the executors run
        // the next step: it slows the run only where that takes longer than a whole step.
        double sh =
            e * (c + Math.min(star1, sharded1)) / Math.max(c + xh, shardedDriver(e, m, costs));
        System.out.printf(
            Locale.ROOT,
            "%4d | %8.2f %7.1f | %8.2f %7.1f | %8.1f / %6.1f%n",
            e,
            xs * 1e3,
            ss,
            xh * 1e3,
            sh,
            8.0 * e * m / 1e6,
            4.0 * m / 1e6);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("weights", m);
        p.put("executors", e);
        p.put("star_exchange_ms", round(xs * 1e3));
        p.put("star_speedup", round(ss));
        p.put("sharded_exchange_ms", round(xh * 1e3));
        p.put("sharded_speedup", round(sh));
        curves.add(p);
      }
    }
    out.put("curves", curves);
    return out;
  }

  /**
   * The peer connections each executor of a sharded run held (measured; rows of runs before halving
   * have none: the full mesh's E - 1).
   */
  private static double partners(Map<String, Object> r, int e) {
    Object v = r.get("peers_per_executor");
    return v == null ? e - 1.0 : ((Number) v).doubleValue();
  }

  /** The optimizer's time per weight (Adam, a few ns; SGD about 1): the driver's, or an owner's. */
  static final double OPTIMIZER_S_PER_WEIGHT = 4e-9;

  /**
   * The projected exchange time of one step on the executors' path, seconds (see {@link #project}):
   * the phases run one after the other, so their link times, the CPU time of the node that does
   * each, and a hop latency per phase add up.
   */
  static double exchange(boolean sharded, int e, long m, Costs costs) {
    double k = costs.perByte();
    double perFrame = costs.perFrame();
    double hop = costs.net().hopS();
    double linkBytesPerS = costs.net().linkBytesPerS();
    double bytes = 4.0 * m;
    if (!sharded) {
      // Phase 1: the driver sends M to each executor; phase 2: it receives M from each. Each
      // executor decodes M and encodes M; the driver applies the optimizer in between.
      double driverBytes = 2 * e * bytes;
      return 2 * hop
          + driverBytes / linkBytesPerS
          + k * driverBytes
          + perFrame * 2 * e
          + k * 2 * bytes
          + perFrame * 2
          + OPTIMIZER_S_PER_WEIGHT * m;
    }
    // 1: reduce-scatter by recursive halving, log2 E rounds each waiting for its partner's frame;
    // the owner sends its shard's sum to the driver (M / E) and applies the optimizer to its
    // shard; 2: all-gather by recursive doubling, log2 E rounds. Each executor sends and receives
    // (E - 1) / E x M floats per phase, in log2 E frames each way.
    int rounds = Integer.numberOfTrailingZeros(Integer.highestOneBit(e));
    double share = (e - 1.0) / e;
    double link = (2 * share * bytes + bytes / e) / linkBytesPerS;
    double cpu = k * (4 * share * bytes + bytes / e) + perFrame * (1 + 4 * rounds);
    return (1 + 2 * rounds) * hop + link + cpu + OPTIMIZER_S_PER_WEIGHT * m / e;
  }

  /**
   * Sharded: the driver's own time per step, seconds: receiving M floats from the E owners,
   * acknowledging the step to each and applying the optimizer to its copy, in parallel with the
   * executors' next step.
   */
  static double shardedDriver(int e, long m, Costs costs) {
    double bytes = 4.0 * m;
    return costs.net().hopS()
        + bytes / costs.net().linkBytesPerS()
        + costs.perByte() * bytes
        + costs.perFrame() * 2 * e
        + OPTIMIZER_S_PER_WEIGHT * m;
  }

  private static Map<String, Object> run(
      JavaSparkContext jsc, int outputs, String topology, int p, int steps, String optimizer) {
    JavaRDD<ImageBlock> data = SparkBench.randomBlocks(jsc, p, p * steps).cache();
    data.count();
    Sequential model =
        new Sequential()
            .add(new Flatten().inputShape(28, 28, 1))
            .add(new Dense(outputs, "softmax"))
            .seed(1)
            .compile("sparse_categorical_crossentropy", optimizer(optimizer), "accuracy");
    long m = model.paramCount();
    TrainerOptions options =
        TrainerOptions.defaults()
            .with(TrainingSettings.BATCH_SIZE, p)
            .with(TrainingSettings.EPOCHS, 2)
            .with(TrainingSettings.SYNC, "driver-sync")
            .with(TrainingSettings.SEED, 1L)
            .with(TrainingSettings.TIMEOUT_SECONDS, 300);
    SyncTraffic.reset();
    List<EpochReport> h =
        new DistributedTrainer(jsc, model, options).syncTopology(topology).fit(data, null, null);
    long[] t = SyncTraffic.snapshot();
    data.unpersist();
    EpochReport timed = h.get(h.size() - 1);
    double allSteps = 2.0 * steps;
    double floatBytes = 4.0 * m;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("weights", m);
    r.put("topology", topology);
    r.put("executors", p);
    r.put("ms_per_step", round(timed.millisPerStep()));
    r.put("compute_ms_per_step", round(timed.computeMillisPerStep()));
    r.put("overhead_ms_per_step", round(timed.overheadMillisPerStep()));
    r.put("driver_sent_per_step_x_m", round(t[0] / allSteps / floatBytes));
    r.put("driver_received_per_step_x_m", round(t[1] / allSteps / floatBytes));
    r.put("executor_sent_per_step_x_m", round(t[3] / allSteps / p / floatBytes));
    r.put("executor_received_per_step_x_m", round(t[4] / allSteps / p / floatBytes));
    double share = (t[0] + t[1]) / (double) (t[0] + t[1] + t[3] + t[4]);
    r.put("driver_share_of_bytes", round(share));
    r.put("driver_cpu_ms_per_step", round(t[2] / allSteps / 1e6));
    r.put("executor_cpu_ms_per_step", round(t[5] / allSteps / p / 1e6));
    // Two launches (one per epoch); each executor counts each of its connections once.
    double peers = t[6] / 2.0 / p;
    if (topology.equals("sharded")) {
      r.put("peers_per_executor", round(peers));
    }
    System.out.printf(
        Locale.ROOT,
        "%,9d %-8s %4d | %7.2f %7.2f %8.2f | %6.2f / %6.2f %5.1f%% | %5.2f / %5.2f | %7.2f %7.2f"
            + " | %5.1f%n",
        m,
        topology,
        p,
        timed.millisPerStep(),
        timed.computeMillisPerStep(),
        timed.overheadMillisPerStep(),
        t[0] / allSteps / floatBytes,
        t[1] / allSteps / floatBytes,
        100 * share,
        t[3] / allSteps / p / floatBytes,
        t[4] / allSteps / p / floatBytes,
        t[2] / allSteps / 1e6,
        t[5] / allSteps / p / 1e6,
        peers);
    return r;
  }

  private static Optimizer optimizer(String name) {
    return name.equals("sgd") ? new Sgd(0.01) : new Adam(0.001);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
