package org.sparkcnn.spark;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the sync channel moved in this JVM, for the scale benchmark ({@code scripts/bench --section
 * scale}) and tests: bytes the driver's end of its connections sent and received, bytes the
 * executor groups' ends sent and received (their driver connection and their peer connections), the
 * peer connections the groups opened, and CPU time the driver and the groups spent exchanging
 * (encoding, sending, receiving, decoding and adding; thread CPU time, so that it is each node's
 * own work even when simulated nodes share the cores). Counting costs a few adds per frame.
 */
public final class SyncTraffic {
  static final LongAdder DRIVER_SENT = new LongAdder();
  static final LongAdder DRIVER_RECEIVED = new LongAdder();
  static final LongAdder DRIVER_CPU = new LongAdder();
  static final LongAdder GROUPS_SENT = new LongAdder();
  static final LongAdder GROUPS_RECEIVED = new LongAdder();
  static final LongAdder GROUPS_CPU = new LongAdder();
  static final LongAdder PEER_CONNECTIONS = new LongAdder();

  /**
   * Benchmarks only: with this system property true, each task of a local-mode run acts as its own
   * executor (own connection, own peer server), so P task threads simulate P executors running the
   * real exchange code.
   */
  public static final String SIMULATE_EXECUTORS = "sparkcnn.sync.simulateExecutors";

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private SyncTraffic() {}

  /**
   * The counters: driver bytes sent, received, driver exchange CPU ns; all groups' bytes sent,
   * received, exchange CPU ns; peer connections opened (counted at both ends).
   */
  public static long[] snapshot() {
    return new long[] {
      DRIVER_SENT.sum(),
      DRIVER_RECEIVED.sum(),
      DRIVER_CPU.sum(),
      GROUPS_SENT.sum(),
      GROUPS_RECEIVED.sum(),
      GROUPS_CPU.sum(),
      PEER_CONNECTIONS.sum()
    };
  }

  public static void reset() {
    for (LongAdder a :
        new LongAdder[] {
          DRIVER_SENT,
          DRIVER_RECEIVED,
          DRIVER_CPU,
          GROUPS_SENT,
          GROUPS_RECEIVED,
          GROUPS_CPU,
          PEER_CONNECTIONS
        }) {
      a.reset();
    }
  }

  /** This thread's CPU time, ns (0 where the JVM cannot tell). */
  static long cpuNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
  }

  /** Which counters a channel adds to. */
  enum Side {
    DRIVER,
    GROUP;

    void sent(long bytes) {
      (this == DRIVER ? DRIVER_SENT : GROUPS_SENT).add(bytes);
    }

    void received(long bytes) {
      (this == DRIVER ? DRIVER_RECEIVED : GROUPS_RECEIVED).add(bytes);
    }

    void cpu(long nanos) {
      (this == DRIVER ? DRIVER_CPU : GROUPS_CPU).add(nanos);
    }
  }
}
