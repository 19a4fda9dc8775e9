package org.sparkcnn.bench;

import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Tensor;
import org.sparkcnn.datasets.FashionMnist;
import org.sparkcnn.datasets.GrayPng;
import org.sparkcnn.datasets.IdxImages;
import org.sparkcnn.datasets.IdxReader;
import org.sparkcnn.spark.SparkSettings;
import org.sparkcnn.spark.ml.CnnClassificationModel;
import org.sparkcnn.spark.ml.CnnFunctions;

/**
 * Benchmark of batch scoring (scripts/bench-score): images/second of
 *
 * <ul>
 *   <li>single-JVM inference: {@code Sequential.predict} at batch 256 on all cores (the baseline),
 *       {@code predictBatch} at batch 256 on one thread, and one thread per core each running
 *       {@code predictBatch} over its own share of the images (what Spark's tasks do, without
 *       Spark);
 *   <li>{@code CnnClassificationModel.transform} on the Spark master (local[2]) over a cached
 *       DataFrame of the same images, written to Spark's "noop" sink so every output column is
 *       produced: image column array&lt;float&gt;, Spark's image struct (raw bytes) and binary PNG
 *       (includes PNG decoding);
 *   <li>the SQL function ({@link CnnFunctions}) on the array&lt;float&gt; table, in a projection
 *       (batched by its optimizer rule);
 *   <li>for reference, reading the cached array&lt;float&gt; table alone (the source's cost).
 * </ul>
 *
 * <p>Each measurement is repeated round-robin (so the machine's load hits all of them alike) after
 * one warm-up round, and the medians are reported with their ratio to single-JVM inference, and
 * with the median of the per-round ratios (steadier when the machine's speed drifts between
 * rounds). Images: the first rows of Fashion-MNIST t10k when found, else random pixels; the model
 * is the seed CNN (conf/models/fashion-mnist-cnn.json) with random weights. The last line is one
 * JSON object with every figure.
 *
 * <p>{@code --generate PATH --rows N} instead writes a generated N-row Parquet table (id long,
 * image array&lt;int&gt; of 784 pixels, computed by a SQL expression on the executors, never held
 * on the driver) for the memory test of scripts/bench-score.
 *
 * <p>{@code --save-model DIR} writes the seed CNN with random weights as a model directory.
 *
 * <p>Usage: ScoreBench [--rows 20000] [--repeats 5] [--batch 256] [--spec FILE] | --generate PATH
 * [--rows 1000000] [--partitions 16] | --save-model DIR
 */
public final class ScoreBench {
  private static final int H = 28;
  private static final int SIZE = H * H;

  private ScoreBench() {}

  public static void main(String[] args) throws Exception {
    int rows = -1;
    int repeats = 5;
    int batch = 256;
    int partitions = 16;
    String spec = "conf/models/fashion-mnist-cnn.json";
    String generate = null;
    String saveModel = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--partitions" -> partitions = Integer.parseInt(args[++i]);
        case "--spec" -> spec = args[++i];
        case "--generate" -> generate = args[++i];
        case "--save-model" -> saveModel = args[++i];
        default ->
            throw BenchArgs.unknown(
                "ScoreBench",
                args[i],
                "--rows N, --repeats N, --batch N, --spec FILE, --generate PATH, --partitions N or"
                    + " --save-model DIR");
      }
    }
    if (saveModel != null) {
      ModelDirectory.save(
          seedModel(Files.readString(Path.of(spec))),
          ModelInfo.defaults().withClassNames(FashionMnist.CLASS_NAMES),
          Path.of(saveModel));
      System.out.println("saved the seed CNN (random weights) to " + saveModel);
      return;
    }
    SparkSession spark =
        SparkSettings.withDefaults(SparkSession.builder())
            .appName("spark-cnn score bench")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      if (generate != null) {
        generate(spark, generate, rows < 0 ? 1_000_000 : rows, partitions);
      } else {
        throughput(
            spark, Files.readString(Path.of(spec)), rows < 0 ? 20_000 : rows, repeats, batch);
      }
    } finally {
      spark.stop();
    }
  }

  /** Writes id, image (array<int> of 784 pixels) for ids 0..rows-1 as Parquet. */
  static void generate(SparkSession spark, String path, long rows, int partitions) {
    long started = System.nanoTime();
    spark
        .range(0, rows, 1, partitions)
        .select(
            col("id"),
            expr("transform(sequence(0, "
                    + (SIZE - 1)
                    + "), "
                    + "k -> CAST((id * 7 + k * 13 + (k DIV 28) * (id % 5)) % 256 AS INT))")
                .as("image"))
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(path);
    System.out.printf(
        Locale.ROOT,
        "generated %,d rows (id, image array<int>[%d]) into %s in " + "%.1f s%n",
        rows,
        SIZE,
        path,
        (System.nanoTime() - started) / 1e9);
  }

  static void throughput(SparkSession spark, String spec, int n, int repeats, int batch) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int cores = jsc.defaultParallelism();
    Sequential net = seedModel(spec);
    byte[] pixels = images(n);
    float[] x = new float[n * SIZE];
    for (int k = 0; k < x.length; k++) {
      x[k] = (pixels[k] & 0xFF) / 255f;
    }
    Tensor input = new Tensor(x, n, H, H, 1);
    CnnClassificationModel model =
        new CnnClassificationModel(
                net, ModelInfo.defaults().withClassNames(FashionMnist.CLASS_NAMES))
            .setBatchSize(batch);
    CnnFunctions.register(spark, "fm", model);

    Dataset<Row> floats =
        cached(
            spark,
            jsc,
            n,
            cores,
            DataTypes.createArrayType(DataTypes.FloatType),
            i -> {
              // A primitive array: boxed Float[] rows cost ~1 ms each to Java-deserialize when
              // Spark recomputes a partition, which would make the source the bottleneck.
              float[] v = new float[SIZE];
              for (int k = 0; k < SIZE; k++) {
                v[k] = (pixels[i * SIZE + k] & 0xFF) / 255f;
              }
              return v;
            });
    Dataset<Row> structs =
        cached(
            spark,
            jsc,
            n,
            cores,
            ImageSchema.columnSchema(),
            i ->
                RowFactory.create(
                    null, H, H, 1, 0, Arrays.copyOfRange(pixels, i * SIZE, (i + 1) * SIZE)));
    Dataset<Row> pngs = cached(spark, jsc, n, cores, DataTypes.BinaryType, i -> png(pixels, i));

    Map<String, DoubleSupplier> cases = new LinkedHashMap<>();
    cases.put(
        "single_jvm_predict_" + cores + "_threads", () -> time(n, () -> net.predict(input, batch)));
    cases.put(
        "single_jvm_predictBatch_1_thread",
        () -> {
          float[] out = new float[batch * 10];
          int m = Math.min(n, 8 * batch);
          float[] params = net.parameters();
          return time(
              m,
              () -> {
                for (int s = 0; s + batch <= m; s += batch) {
                  net.predictBatch(
                      params, Arrays.copyOfRange(x, s * SIZE, (s + batch) * SIZE), batch, out, 0);
                }
              });
        });
    // What Spark's tasks do, without Spark: `cores` threads, each scoring its own share of the
    // images with predictBatch on one thread, batch by batch (the ceiling for transform).
    cases.put(
        "single_jvm_predictBatch_" + cores + "_tasks",
        () -> time(n, () -> independentTasks(net, x, n, batch, cores)));
    cases.put("spark_scan_only_array_float", () -> time(n, () -> noop(floats)));
    cases.put("spark_transform_array_float", () -> time(n, () -> noop(model.transform(floats))));
    cases.put("spark_transform_image_struct", () -> time(n, () -> noop(model.transform(structs))));
    cases.put("spark_transform_png", () -> time(n, () -> noop(model.transform(pngs))));
    cases.put(
        "spark_sql_function_array_float",
        () -> time(n, () -> noop(floats.select(col("id"), call_udf("fm", col("image"))))));

    Map<String, List<Double>> figures = new LinkedHashMap<>();
    for (int round = 0; round <= repeats; round++) {
      for (Map.Entry<String, DoubleSupplier> c : cases.entrySet()) {
        double ips = c.getValue().getAsDouble();
        if (round > 0) {
          figures.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(ips);
        }
      }
      System.out.println(
          round == 0 ? "warm-up round done" : "round " + round + " of " + repeats + " done");
    }

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("master", spark.sparkContext().master());
    json.put("cores", cores);
    json.put("rows", n);
    json.put("batch", batch);
    json.put("repeats", repeats);
    json.put("java", System.getProperty("java.version"));
    List<Double> baseRuns = figures.get("single_jvm_predict_" + cores + "_threads");
    double base = median(baseRuns);
    System.out.printf(
        Locale.ROOT,
        "== scoring throughput, seed CNN, %,d images, batch %d, " + "%s, medians of %d ==%n",
        n,
        batch,
        spark.sparkContext().master(),
        repeats);
    System.out.println(
        "  (ratio: of the medians; per round: median of each round's ratio to "
            + "that round's single-JVM predict, steadier when the machine's speed drifts)");
    for (Map.Entry<String, List<Double>> f : figures.entrySet()) {
      double m = median(f.getValue());
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < f.getValue().size(); r++) {
        ratios.add(f.getValue().get(r) / baseRuns.get(r));
      }
      System.out.printf(
          Locale.ROOT,
          "%-34s %8.0f images/s  ratio %.2f  per round %.2f  " + "runs %s%n",
          f.getKey(),
          m,
          m / base,
          median(ratios),
          f.getValue().stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList());
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("images_per_second", Math.round(m));
      r.put("ratio_to_single_jvm", Math.round(m / base * 1000) / 1000.0);
      r.put("median_round_ratio", Math.round(median(ratios) * 1000) / 1000.0);
      json.put(f.getKey(), r);
    }
    System.out.println(Json.writeCompact(json));
  }

  private static Sequential seedModel(String spec) {
    return ModelSpec.fromJson(spec, "model spec")
        .seed(0)
        .compile("sparse_categorical_crossentropy", null);
  }

  /** n rows of (id, image) in `cores` partitions, cached and materialised. */
  private static Dataset<Row> cached(
      SparkSession spark,
      JavaSparkContext jsc,
      int n,
      int cores,
      DataType type,
      IntFunction<Object> image) {
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create((long) i, image.apply(i)));
    }
    Dataset<Row> df =
        spark
            .createDataFrame(
                jsc.parallelize(rows, cores),
                new StructType().add("id", DataTypes.LongType).add("image", type))
            .cache();
    df.count();
    return df;
  }

  private static void independentTasks(Sequential net, float[] x, int n, int batch, int tasks) {
    float[] params = net.parameters();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < tasks; t++) {
      int from = (int) ((long) n * t / tasks);
      int to = (int) ((long) n * (t + 1) / tasks);
      threads.add(
          new Thread(
              () -> {
                float[] chunk = new float[batch * SIZE];
                float[] out = new float[batch * 10];
                for (int s = from; s < to; s += batch) {
                  int m = Math.min(batch, to - s);
                  System.arraycopy(x, s * SIZE, chunk, 0, m * SIZE);
                  net.predictBatch(params, chunk, m, out, 0);
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread th : threads) {
      try {
        th.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static void noop(Dataset<Row> df) {
    df.write().format("noop").mode(SaveMode.Overwrite).save();
  }

  private static double time(int images, Runnable r) {
    long t = System.nanoTime();
    r.run();
    return images / ((System.nanoTime() - t) / 1e9);
  }

  private static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /** n Fashion-MNIST test images (repeated if needed), or random pixels without the data. */
  private static byte[] images(int n) {
    byte[] out = new byte[n * SIZE];
    for (Path dir : List.of(Path.of("data/fashion-mnist"), FashionMnist.DEBIAN_DIR)) {
      Path file = dir.resolve("t10k-images-idx3-ubyte.gz");
      if (Files.isRegularFile(file)) {
        IdxImages idx = IdxReader.readImages(file);
        byte[] src = idx.pixels();
        for (int i = 0; i < n; i++) {
          int j = i % idx.count();
          System.arraycopy(src, j * SIZE, out, i * SIZE, SIZE);
        }
        System.out.println("images: " + file + " (" + n + " rows)");
        return out;
      }
    }
    new Random(1).nextBytes(out);
    System.out.println("images: random pixels (" + n + " rows; no Fashion-MNIST found)");
    return out;
  }

  private static byte[] png(byte[] pixels, int i) {
    return GrayPng.encode(pixels, i * SIZE, H, H);
  }
}
