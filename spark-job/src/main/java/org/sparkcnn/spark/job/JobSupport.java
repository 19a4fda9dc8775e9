package org.sparkcnn.spark.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.io.JsonException;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.SparkSettings;
import org.sparkcnn.spark.TrainingFailedException;
import org.sparkcnn.spark.io.HadoopFiles;

/** What the spark-submit mains share: the session, file reads, and user-facing errors. */
final class JobSupport {
  private static final long MAX_TEXT_BYTES = 16 << 20;

  private static final Logger FAILURES = LogManager.getLogger("org.sparkcnn.failures");

  private JobSupport() {}

  /**
   * The session spark-submit configured, or a local one ({@code local[*]}) when the main runs
   * without spark-submit; plus {@link SparkSettings#DEFAULTS} where not set.
   */
  static SparkSession session(String app) {
    SparkConf conf = new SparkConf();
    SparkSession.Builder b = SparkSession.builder().appName(app);
    if (!conf.contains("spark.master")) {
      b.master("local[*]");
    }
    return SparkSettings.withDefaults(b, conf).getOrCreate();
  }

  static String readText(String path, Configuration conf, String what) {
    try {
      return new String(
          HadoopFiles.read(new Path(path), conf, MAX_TEXT_BYTES), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      throw Preflight.notFound(what, path, e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + path + ": " + e, e);
    }
  }

  /**
   * The message a user should see for a failure: our own exception's message wherever it is in the
   * cause chain (Spark wraps task failures), else the outermost message.
   */
  static String userMessage(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TrainingFailedException) {
        return c.getMessage(); // already the one line to show; its causes are for the log
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof DatasetException
          || c instanceof JsonException
          || c instanceof IllegalArgumentException
          || c instanceof IOException) {
        return c.getMessage();
      }
    }
    // On a cluster the task's exception arrives as text inside Spark's message.
    String m = String.valueOf(t.getMessage());
    int at = m.indexOf("DatasetException: ");
    return at >= 0 ? m.substring(at + "DatasetException: ".length()).split("\n")[0] : m;
  }

  static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  /** A job's work on a session with its parsed arguments. */
  interface ArgsWork<A> {
    void run(SparkSession spark, A args) throws Exception;
  }

  /**
   * A job main: parses {@code argv} with {@code parse} (null for --help, then {@code usage} is
   * printed; a bad command line is one line and exit status 2, before Spark starts), then runs
   * {@code work} as {@link #runMain} does.
   */
  static <A> void main(
      String job,
      String[] argv,
      Function<String[], A> parse,
      Supplier<String> usage,
      ArgsWork<A> work) {
    A args;
    try {
      args = parse.apply(argv);
    } catch (IllegalArgumentException e) {
      TrainJob.fail(e.getMessage(), 2);
      return;
    }
    if (args == null) {
      System.out.print(usage.get());
      return;
    }
    runMain(job, spark -> work.run(spark, args));
  }

  /** A job's work on a session: the part of a main between argument parsing and exit. */
  interface SessionWork {
    void run(SparkSession spark) throws Exception;
  }

  /**
   * Runs a job main's work on a new session named "spark-cnn {@code job}", stops the session, and
   * turns any failure into one "spark-cnn job: error: ..." line and exit status 1.
   */
  static void runMain(String job, SessionWork work) {
    long started = System.nanoTime();
    SparkSession spark = session("spark-cnn " + job);
    // The first phase of a run, and the longest wait before any output: say what it took.
    System.out.println(
        format(
            "spark-cnn %s: Spark %s session on %s started in %.1f s",
            job,
            spark.version(),
            spark.sparkContext().master(),
            (System.nanoTime() - started) / 1e9));
    int status = 0;
    try {
      work.run(spark);
    } catch (Exception e) {
      // Spark throws its checked SparkException from Scala code, undeclared: catch it too.
      // The stack trace goes to the log file only (conf/log4j2.properties); the user gets one line.
      FAILURES.error("spark-cnn " + job + " failed", e);
      String logFile = System.getProperty("sparkcnn.log.file");
      System.err.println(
          "spark-cnn "
              + job
              + ": error: "
              + userMessage(e)
              + (logFile == null ? "" : " (details in " + logFile + ")"));
      status = 1;
    } finally {
      spark.stop();
    }
    if (status != 0) {
      System.exit(status);
    }
  }
}
