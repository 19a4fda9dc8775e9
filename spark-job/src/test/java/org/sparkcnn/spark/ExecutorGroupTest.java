package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * An executor JVM outlives runs: a later run whose driver port and launch number happen to equal an
 * earlier run's must get a new group, not the earlier run's closed one (whose members would leave
 * at once and whose leader would wait for them until timeout_seconds).
 */
class ExecutorGroupTest {
  private static SyncClient.Endpoint endpoint(long run, int launch) {
    SyncSecret secret = SyncSecret.forRun();
    return new SyncClient.Endpoint(run, "127.0.0.1", 40_001, secret, true, launch, 1_000, null);
  }

  @Test
  void aLaterRunOnTheSamePortAndLaunchGetsAGroupOfItsOwn() throws InterruptedException {
    int[] partitions = {0, 1, 2};
    ExecutorGroup earlier = ExecutorGroup.of(endpoint(11, 1), partitions);
    earlier.close();
    assertNull(earlier.awaitStep(0), "a closed group ends its members");

    ExecutorGroup later = ExecutorGroup.of(endpoint(12, 1), partitions);
    assertNotSame(earlier, later);
    later.startStep(new float[1], 0, 0, 0);
    assertNotNull(later.awaitStep(0), "the later run's member gets its step");
  }

  @Test
  void theTasksOfOneLaunchShareOneGroup() {
    int[] partitions = {3, 5};
    assertSame(
        ExecutorGroup.of(endpoint(21, 2), partitions),
        ExecutorGroup.of(endpoint(21, 2), partitions));
    assertNotSame(
        ExecutorGroup.of(endpoint(21, 2), partitions),
        ExecutorGroup.of(endpoint(21, 3), partitions));
  }
}
