package org.sparkcnn.spark.job;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * Samples this JVM's heap every 100 ms on a daemon thread: the peak of the heap in use (garbage
 * included), and the peak of what the heap pools held right after their last collection (the live
 * data, roughly; what "memory stays flat" is about). In local mode the tasks run in the driver JVM,
 * so this is the executors' memory too; on a cluster it is the driver's only.
 */
final class HeapWatch implements AutoCloseable {
  private static final long MIB = 1 << 20;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long peakUsed;
  private volatile long peakAfterGc;

  HeapWatch() {
    List<MemoryPoolMXBean> pools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    thread =
        new Thread(
            () -> {
              while (running) {
                sample(pools);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "spark-cnn heap watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void sample(List<MemoryPoolMXBean> pools) {
    peakUsed =
        Math.max(peakUsed, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    long afterGc = 0;
    for (MemoryPoolMXBean p : pools) {
      MemoryUsage u = p.getCollectionUsage();
      afterGc += u == null ? 0 : u.getUsed();
    }
    peakAfterGc = Math.max(peakAfterGc, afterGc);
  }

  long peakUsedMib() {
    return peakUsed / MIB;
  }

  long peakAfterGcMib() {
    return peakAfterGc / MIB;
  }

  static long maxHeapMib() {
    return Runtime.getRuntime().maxMemory() / MIB;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
