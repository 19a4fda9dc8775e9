package org.sparkcnn.bench;

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
import org.sparkcnn.core.optim.Sgd;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.SyncTraffic;
import org.sparkcnn.spark.TrainerOptions;

/**
 * How the driver-sync exchange scales with the number of executors (scripts/bench --section scale):
 * P task threads of one local[P] JVM, each acting as its own executor ({@link
 * SyncTraffic#SIMULATE_EXECUTORS}: own authenticated connection to the driver, own peer server),
 * run the real exchange code of each topology for a model of M weights whose compute is negligible
 * (Flatten then one Dense layer, one image per executor per step, SGD). Per (M, topology, P): the
 * step's overhead (wall time minus compute), the bytes the driver and each executor send and
 * receive per step, and the exchange CPU time of the driver and of each executor per step (thread
 * CPU time: on this machine's few cores the P simulated nodes share the CPU, so wall time grows
 * with P even where each node's work does not; the per-node CPU time is what a cluster with a core
 * per node would see). The last line is one JSON object.
 *
 * <p>Usage: ScaleBench [--max-executors 256] [--steps 8] [--weights 121675,1050330] [--star-max 64]
 */
public final class ScaleBench {
  private ScaleBench() {}

  public static void main(String[] args) {
    int maxP = 256;
    int steps = 8;
    int starMax = 64;
    int[] outputs = {155, 1338}; // 784 x k + k = 121,675 and 1,050,330 weights
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--max-executors" -> maxP = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--star-max" -> starMax = Integer.parseInt(args[++i]);
        case "--outputs" -> {
          String[] v = args[++i].split(",");
          outputs = new int[v.length];
          for (int j = 0; j < v.length; j++) {
            outputs[j] = Integer.parseInt(v[j].trim());
          }
        }
        default ->
            throw new IllegalArgumentException(
                "unknown argument; received \""
                    + args[i]
                    + "\"; expected --max-executors N, --steps N, --star-max N or --outputs K,K");
      }
    }
    System.setProperty(SyncTraffic.SIMULATE_EXECUTORS, "true");
    SparkSession spark =
        SparkSession.builder()
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
    List<Object> rows = new ArrayList<>();
    System.out.println(
        "weights   topology  P   | step ms  compute  overhead | driver out/in per step (x M floats)"
            + " | executor out/in (x M) | exchange CPU ms/step: driver, per executor");
    for (int k : outputs) {
      for (String topology : List.of("star", "sharded")) {
        for (int p = 1; p <= maxP; p *= 2) {
          if (topology.equals("star") && p > starMax) {
            break;
          }
          rows.add(run(jsc, k, topology, p, steps));
        }
      }
    }
    json.put("runs", rows);
    spark.stop();
    System.out.println(Json.writeCompact(json));
  }

  private static Map<String, Object> run(
      JavaSparkContext jsc, int outputs, String topology, int p, int steps) {
    JavaRDD<ImageBlock> data = SparkBench.randomBlocks(jsc, p, p * steps).cache();
    data.count();
    Sequential model =
        new Sequential()
            .add(new Flatten().inputShape(28, 28, 1))
            .add(new Dense(outputs, "softmax"))
            .seed(1)
            .compile("sparse_categorical_crossentropy", new Sgd(0.01), "accuracy");
    long m = model.paramCount();
    TrainerOptions options =
        TrainerOptions.defaults()
            .withBatchSize(p)
            .withEpochs(2)
            .withSync("driver-sync")
            .withSeed(1)
            .withTimeoutSeconds(300);
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
    r.put("driver_cpu_ms_per_step", round(t[2] / allSteps / 1e6));
    r.put("executor_cpu_ms_per_step", round(t[5] / allSteps / p / 1e6));
    System.out.printf(
        Locale.ROOT,
        "%,9d %-8s %4d | %7.2f %7.2f %8.2f | %6.2f / %6.2f | %5.2f / %5.2f | %7.2f %7.2f%n",
        m,
        topology,
        p,
        timed.millisPerStep(),
        timed.computeMillisPerStep(),
        timed.overheadMillisPerStep(),
        t[0] / allSteps / floatBytes,
        t[1] / allSteps / floatBytes,
        t[3] / allSteps / p / floatBytes,
        t[4] / allSteps / p / floatBytes,
        t[2] / allSteps / 1e6,
        t[5] / allSteps / p / 1e6);
    return r;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
