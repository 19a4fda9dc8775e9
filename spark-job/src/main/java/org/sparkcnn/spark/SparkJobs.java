package org.sparkcnn.spark;

import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;

/**
 * Names the Spark jobs the project runs, so the Spark UI (and the event log) reads as a timeline of
 * the run: every job gets a job group ({@code spark-cnn-<phase>}, e.g. {@code spark-cnn-train}) and
 * a description saying what it does ({@code spark-cnn: epoch 3/5 steps 1-1875}). Both are Spark's
 * thread-local job properties, copied when a job is submitted; a scope sets them for the jobs this
 * thread submits inside it and puts back the caller's afterwards, so scopes nest.
 *
 * <p>Names and descriptions are shown to anyone who can see the UI or the event log: never put a
 * secret (a token, a password, a key) into one; the user info and query strings of the paths in
 * them are dropped.
 */
public final class SparkJobs {
  public static final String PREFIX = "spark-cnn: ";
  static final String GROUP = "spark.jobGroup.id";
  static final String DESCRIPTION = "spark.job.description";

  private SparkJobs() {}

  /** The phases a job group names. */
  public enum Phase {
    DATA,
    TRAIN,
    VALIDATION,
    EVALUATE,
    SCORE;

    public String group() {
      return "spark-cnn-" + name().toLowerCase(Locale.ROOT);
    }
  }

  /** Restores the caller's job group and description on close. */
  public static final class Scope implements AutoCloseable {
    private final SparkContext sc;
    private final String group;
    private final String description;

    private Scope(SparkContext sc) {
      this.sc = sc;
      this.group = sc.getLocalProperty(GROUP);
      this.description = sc.getLocalProperty(DESCRIPTION);
    }

    @Override
    public void close() {
      sc.setLocalProperty(GROUP, group);
      sc.setLocalProperty(DESCRIPTION, description);
    }
  }

  /**
   * Jobs this thread submits until the scope closes are in {@code phase}'s group, described as
   * "spark-cnn: " + {@code what}.
   */
  public static Scope describe(SparkContext sc, Phase phase, String what) {
    Scope previous = new Scope(sc);
    sc.setLocalProperty(GROUP, phase.group());
    sc.setLocalProperty(DESCRIPTION, PREFIX + withoutCredentials(what));
    return previous;
  }

  /**
   * {@code what} without the credentials a path may carry ({@code s3a://KEY:SECRET@bucket/x}, a
   * signed URL's query string): descriptions are shown to anyone who can see the UI.
   */
  static String withoutCredentials(String what) {
    return what.replaceAll("(\\w://)[^/\\s@]*@", "$1").replaceAll("(\\w://[^\\s?]*)\\?\\S*", "$1");
  }

  public static <T> T run(SparkContext sc, Phase phase, String what, Supplier<T> work) {
    try (Scope s = describe(sc, phase, what)) {
      return work.get();
    }
  }
}
