package org.sparkcnn.spark;

import java.util.Map;

/** Tests only: where Spark's task threads are, for a timeout's message. */
final class TaskThreads {
  private TaskThreads() {}

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
