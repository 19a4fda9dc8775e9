package org.sparkcnn.spark;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Who is at the other end of a sync connection, as the connecting side declares it in the
 * authenticated handshake: what it is ({@code role}), which run and launch of the stage and which
 * partition it serves, and where it runs (for the logs when it is lost).
 *
 * @param role {@link #TASK} (a task, to the driver) or {@link #PEER} (an executor group, to another
 *     group of the sharded topology; {@code partition} is then the group's index)
 * @param run the run's random id: an executor JVM outlives runs, a later run's server can get an
 *     earlier run's port, and every run counts its launches from 1
 * @param launch the driver's launch number of the barrier stage this task belongs to
 * @param partition the partition the task serves
 * @param attempt Spark's attempt number of the task (logs only)
 * @param executorId Spark's executor id ("driver" in local mode)
 * @param host the executor's host
 * @param pid the executor's process id
 */
record SyncHello(
    int role,
    long run,
    int launch,
    int partition,
    int attempt,
    String executorId,
    String host,
    long pid) {
  static final int TASK = 1;
  static final int PEER = 2;

  void writeTo(ByteBuffer b) {
    b.putInt(role).putLong(run).putInt(launch).putInt(partition).putInt(attempt).putLong(pid);
    SyncProtocol.putText(b, executorId);
    SyncProtocol.putText(b, host);
  }

  static SyncHello readFrom(ByteBuffer b) throws IOException {
    int role = b.getInt();
    long run = b.getLong();
    int launch = b.getInt();
    int partition = b.getInt();
    int attempt = b.getInt();
    long pid = b.getLong();
    return new SyncHello(
        role,
        run,
        launch,
        partition,
        attempt,
        SyncProtocol.getText(b),
        SyncProtocol.getText(b),
        pid);
  }

  /** How the logs name the task's executor. */
  String where() {
    return "executor " + executorId + " (" + host + ", pid " + pid + ")";
  }
}
