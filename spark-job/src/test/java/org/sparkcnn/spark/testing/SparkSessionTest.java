package org.sparkcnn.spark.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;

/**
 * A test class that shares one local Spark session among its tests ({@link LocalSpark#start}, named
 * after the class): started before the class's own {@code @BeforeAll} methods, stopped after its
 * {@code @AfterAll} ones, so no session outlives its class. Test classes run one at a time (the
 * build runs no test in parallel), which is what lets the session live in a static field.
 */
public abstract class SparkSessionTest {
  /** Task slots of a test class's session, when it needs other than {@link LocalSpark}'s 2. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  public @interface TaskSlots {
    int value();
  }

  protected static SparkSession spark;
  protected static JavaSparkContext jsc;

  @BeforeAll
  static void startSpark(TestInfo test) {
    Class<?> c = test.getTestClass().orElseThrow();
    TaskSlots slots = c.getAnnotation(TaskSlots.class);
    spark = LocalSpark.start(c.getSimpleName(), slots == null ? LocalSpark.SLOTS : slots.value());
    jsc = LocalSpark.context(spark);
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
    spark = null;
    jsc = null;
  }
}
