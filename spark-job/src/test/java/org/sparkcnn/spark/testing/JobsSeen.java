package org.sparkcnn.spark.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;

/**
 * The Spark jobs a session starts, with the job group and description each was submitted with, as a
 * listener on the session's bus sees them (what the UI and the event log show).
 */
public final class JobsSeen extends SparkListener {
  /** One job: its id, {@code spark.jobGroup.id} and {@code spark.job.description}. */
  public record Job(int id, String group, String description) {}

  private final SparkContext sc;
  private final List<Job> jobs = new CopyOnWriteArrayList<>();

  private JobsSeen(SparkContext sc) {
    this.sc = sc;
  }

  /** Starts listening to {@code sc}'s jobs. */
  public static JobsSeen on(SparkContext sc) {
    JobsSeen seen = new JobsSeen(sc);
    sc.addSparkListener(seen);
    return seen;
  }

  @Override
  public void onJobStart(SparkListenerJobStart job) {
    jobs.add(
        new Job(
            job.jobId(),
            job.properties().getProperty("spark.jobGroup.id"),
            job.properties().getProperty("spark.job.description")));
  }

  /** How many jobs were seen so far, once the bus has delivered every event posted until now. */
  public int mark() {
    drain();
    return jobs.size();
  }

  /** The jobs seen since {@code mark}, once the bus has delivered every event. */
  public List<Job> since(int mark) {
    drain();
    return new ArrayList<>(jobs.subList(mark, jobs.size()));
  }

  private void drain() {
    try {
      sc.listenerBus().waitUntilEmpty(10_000);
    } catch (TimeoutException e) {
      throw new AssertionError("Spark's listener bus did not drain in 10 s", e);
    }
  }

  /** Asserts that there are jobs and each has a spark-cnn group and a spark-cnn description. */
  public static void assertAllNamed(List<Job> jobs) {
    assertFalse(jobs.isEmpty(), "no Spark job seen");
    for (Job job : jobs) {
      assertTrue(
          job.group() != null
              && job.group().startsWith("spark-cnn-")
              && job.description() != null
              && job.description().startsWith("spark-cnn: "),
          "job " + job + " of " + jobs);
    }
  }
}
