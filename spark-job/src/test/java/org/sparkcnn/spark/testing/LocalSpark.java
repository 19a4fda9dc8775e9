package org.sparkcnn.spark.testing;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.spark.SparkSettings;

/** One local Spark session per test class (2 task slots unless asked, no UI), and a tiny CNN. */
public final class LocalSpark {
  private LocalSpark() {}

  /** Task slots of a test session unless a test needs more. */
  public static final int SLOTS = 2;

  public static SparkSession start(String app) {
    return start(app, SLOTS);
  }

  /** A session of {@code slots} task slots, its default parallelism and shuffle partitions. */
  public static SparkSession start(String app, int slots) {
    return SparkSettings.withDefaults(SparkSession.builder())
        .master("local[" + slots + "]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", String.valueOf(slots))
        .config("spark.default.parallelism", String.valueOf(slots))
        .getOrCreate();
  }

  public static JavaSparkContext context(SparkSession spark) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  /** A CNN for SIZE x SIZE x channels images in {@code classes} classes: conv4-pool-dense. */
  public static Sequential model(int size, int channels, int classes, long seed) {
    return new Sequential()
        .add(new Conv2D(4, 3).activation("relu").inputShape(size, size, channels))
        .add(new MaxPooling2D(2))
        .add(new Flatten())
        .add(new Dense(classes, "softmax"))
        .seed(seed)
        .compile("sparse_categorical_crossentropy", new Adam(0.01), "accuracy");
  }
}
