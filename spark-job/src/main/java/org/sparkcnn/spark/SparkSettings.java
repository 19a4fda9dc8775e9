package org.sparkcnn.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark settings spark-cnn adds to every session it builds, unless the user set them
 * (spark-submit's {@code --conf}, a properties file): the one place the job mains, the tests'
 * sessions and the benchmarks take them from. Both cut the per-step overhead of synchronous
 * training (docs/design.md): gradients up to 64 MB come back inside the task result rather than
 * through the block manager, and broadcast weights skip a compression that saves nothing on floats.
 */
public final class SparkSettings {
  private SparkSettings() {}

  /** Key → value. */
  public static final Map<String, String> DEFAULTS =
      Map.of(
          "spark.task.maxDirectResultSize",
          String.valueOf(64 << 20),
          "spark.broadcast.compress",
          "false");

  /** {@code b} with every default that {@code given} (what spark-submit set) leaves unset. */
  public static SparkSession.Builder withDefaults(SparkSession.Builder b, SparkConf given) {
    DEFAULTS.forEach(
        (k, v) -> {
          if (!given.contains(k)) {
            b.config(k, v);
          }
        });
    return b;
  }

  /** {@code b} with the defaults the JVM's spark.* system properties leave unset. */
  public static SparkSession.Builder withDefaults(SparkSession.Builder b) {
    return withDefaults(b, new SparkConf());
  }
}
