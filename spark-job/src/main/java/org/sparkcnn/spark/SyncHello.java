package org.sparkcnn.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Who is at the other end of a sync connection, as the connecting side declares it in the
 * authenticated handshake: what it is ({@code role}), which launch of the stage and which partition
 * it serves, and where it runs (for the logs when it is lost).
 *
 * @param role {@link #TASK} (a task, to the driver) or {@link #PEER} (an executor group, to another
 *     group of the sharded topology; {@code partition} is then the group's index)
 * @param launch the driver's launch number of the barrier stage this task belongs to
 * @param partition the partition the task serves
 * @param attempt Spark's attempt number of the task (logs only)
 * @param executorId Spark's executor id ("driver" in local mode)
 * @param host the executor's host
 * @param pid the executor's process id
 */
record SyncHello(
    int role, int launch, int partition, int attempt, String executorId, String host, long pid) {
  static final int TASK = 1;
  static final int PEER = 2;
  private static final int MAX_TEXT = 255;

  void writeTo(ByteBuffer b) {
    b.putInt(role).putInt(launch).putInt(partition).putInt(attempt).putLong(pid);
    putText(b, executorId);
    putText(b, host);
  }

  static SyncHello readFrom(ByteBuffer b) throws IOException {
    int role = b.getInt();
    int launch = b.getInt();
    int partition = b.getInt();
    int attempt = b.getInt();
    long pid = b.getLong();
    return new SyncHello(role, launch, partition, attempt, getText(b), getText(b), pid);
  }

  /** How the logs name the task's executor. */
  String where() {
    return "executor " + executorId + " (" + host + ", pid " + pid + ")";
  }

  private static void putText(ByteBuffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(bytes.length, MAX_TEXT);
    b.put((byte) n).put(bytes, 0, n);
  }

  private static String getText(ByteBuffer b) throws IOException {
    int n = b.get() & 0xff;
    if (n > b.remaining()) {
      throw new IOException("malformed hello: a text of " + n + " bytes in a short frame");
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
