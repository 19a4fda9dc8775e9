package org.sparkcnn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** One local Spark session per test class: 3 task slots, no UI, quiet logs. */
final class SparkTestSession {
  private SparkTestSession() {}

  static SparkSession start(String app) {
    return SparkSettings.withDefaults(SparkSession.builder())
        .master("local[3]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "3")
        .getOrCreate();
  }

  static JavaSparkContext context(SparkSession spark) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext());
  }
}
