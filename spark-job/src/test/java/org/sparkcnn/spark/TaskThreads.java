package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.api.java.JavaSparkContext;

/** Tests only: where Spark's task threads are, for a timeout's message, and whether they ended. */
final class TaskThreads {
  private TaskThreads() {}

  /**
   * Waits up to 30 s for every task of {@code jsc} to end, and fails if one does not: a task thread
   * left waiting after its run holds its core, and the next barrier stage, which needs every core
   * at once, cannot start.
   */
  static void assertAllEnd(JavaSparkContext jsc) throws InterruptedException {
    int running = running(jsc);
    for (int i = 0; i < 300 && running > 0; i++) {
      Thread.sleep(100);
      running = running(jsc);
    }
    assertEquals(0, running, "tasks still running 30 s after the run ended");
  }

  private static int running(JavaSparkContext jsc) {
    int n = 0;
    for (SparkExecutorInfo e : jsc.sc().statusTracker().getExecutorInfos()) {
      n += e.numRunningTasks();
    }
    return n;
  }

  /** One line per task thread: its name, state and top frames. */
  static String describe() {
    StringBuilder b = new StringBuilder("task threads at the timeout:");
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      String name = e.getKey().getName();
      if (!name.startsWith("Executor task launch") && !name.startsWith("spark-cnn")) {
        continue;
      }
      b.append(" [").append(name).append(' ').append(e.getKey().getState());
      StackTraceElement[] frames = e.getValue();
      for (int i = 0, shown = 0; i < frames.length && shown < 4; i++) {
        if (frames[i].getClassName().startsWith("org.sparkcnn") || i == 0) {
          b.append(" < ")
              .append(frames[i].getClassName().replace("org.sparkcnn.", ""))
              .append('.')
              .append(frames[i].getMethodName())
              .append(':')
              .append(frames[i].getLineNumber());
          shown++;
        }
      }
      b.append(']');
    }
    return b.toString();
  }
}
