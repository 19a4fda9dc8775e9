package org.sparkcnn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.spark.testing.LocalSpark;

/** One local Spark session per test class: 3 task slots, no UI, quiet logs. */
final class SparkTestSession {
  private SparkTestSession() {}

  static SparkSession start(String app) {
    return LocalSpark.start(app, 3);
  }

  static JavaSparkContext context(SparkSession spark) {
    return LocalSpark.context(spark);
  }
}
