package org.sparkcnn.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The messages between the driver and the executors of a driver-sync epoch, each one frame of a
 * {@link SyncChannel} (authenticated, size-bounded, optionally encrypted). Internal to one training
 * run (both ends are this jar), so it is plain framing, never Java serialization: integers
 * big-endian, float arrays little-endian (the byte order of every CPU Spark runs on, so encoding
 * them is a memory copy).
 *
 * <p>One connection per executor JVM ({@link ExecutorGroup}): its lowest partition's task speaks
 * for all the launch's tasks in that JVM, receives the weights once and sends their results
 * pre-summed, as the nodes of the {@link ReductionTree} it holds whole.
 *
 * <pre>
 * task → driver  GROUP      op=13:int n:int partitions:int[n]   (first frame: whom it speaks for)
 * driver → task  STEP       op=1:int epoch:int step:int globalStep:long n:int weights:float[n]
 * driver → task  DONE       op=2:int                   (the epoch is over: end the task)
 * driver → task  ABORT      op=3:int                   (the stage is being relaunched: end quietly)
 * task → driver  RESULT     op=10:int step:int k:int, then k times (the tree nodes, in order):
 *                           from:int to:int loss:double count:long correct:double
 *                           slowestComputeNanos:long n:int gradientSum:float[n]
 * task → driver  FAILED     op=11:int reason:UTF-8     (a step threw; then the tasks end)
 * task → driver  HEARTBEAT  op=12:int                  (every HEARTBEAT_MILLIS, from its own thread)
 * </pre>
 *
 * Frame bounds follow from the model's parameter count and the group's size, which both ends know:
 * a frame larger than its message can be is refused before it is read.
 */
final class SyncProtocol {
  static final int STEP = 1;
  static final int DONE = 2;
  static final int ABORT = 3;
  static final int RESULT = 10;
  static final int FAILED = 11;
  static final int HEARTBEAT = 12;
  static final int GROUP = 13;

  /** A task sends a heartbeat this often while it is alive. */
  static final int HEARTBEAT_MILLIS = 1000;

  /** Silence after which the driver declares a task stalled (a frozen or unreachable executor). */
  static final int STALL_MILLIS = 6000;

  /** The longest failure reason a task sends, in bytes. */
  static final int MAX_REASON_BYTES = 8000;

  private static final int STEP_HEAD = 4 + 4 + 4 + 8 + 4;
  private static final int RESULT_HEAD = 4 + 4 + 4;
  private static final int PART_HEAD = 4 + 4 + 8 + 8 + 8 + 8 + 4;

  private SyncProtocol() {}

  static int stepBytes(int n) {
    return STEP_HEAD + 4 * n;
  }

  /** The bound of a frame a group of {@code parts} tree nodes sends: a result or a failure. */
  static int taskFrameBytes(int n, int parts) {
    long bytes = RESULT_HEAD + (long) parts * (PART_HEAD + 4L * n);
    if (bytes > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(
          "an executor's pre-summed result would not fit one frame; received "
              + parts
              + " partial sums of "
              + n
              + " weights; expected at most 2 GiB; hint: fewer task slots per executor or a "
              + "partition count that is a power of two (partitions on one executor then share "
              + "tree nodes)");
    }
    return (int) Math.max(bytes, 8 + MAX_REASON_BYTES);
  }

  /** The bound of a GROUP frame in a run of {@code partitions} partitions. */
  static int groupBytes(int partitions) {
    return 8 + 4 * partitions;
  }

  /** A send buffer for frames of at most {@code bodyBytes}. */
  static byte[] buffer(int bodyBytes) {
    return new byte[SyncChannel.HEADER + bodyBytes];
  }

  static int encodeStep(byte[] buf, int epoch, int step, long globalStep, float[] params) {
    ByteBuffer b = body(buf);
    b.putInt(STEP).putInt(epoch).putInt(step).putLong(globalStep).putInt(params.length);
    putFloats(b, params);
    return STEP_HEAD + 4 * params.length;
  }

  static int encodeOp(byte[] buf, int op) {
    body(buf).putInt(op);
    return 4;
  }

  static int encodeGroup(byte[] buf, int[] partitions) {
    ByteBuffer b = body(buf);
    b.putInt(GROUP).putInt(partitions.length);
    for (int p : partitions) {
      b.putInt(p);
    }
    return 8 + 4 * partitions.length;
  }

  /** The partitions of a GROUP frame (its op already read), checked against the run's count. */
  static int[] decodeGroup(ByteBuffer b, int partitions) throws IOException {
    int n = b.getInt();
    if (n <= 0 || n > partitions || b.remaining() != 4 * n) {
      throw new IOException("malformed group of " + n + " partitions");
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = b.getInt();
      if (out[i] < 0 || out[i] >= partitions || (i > 0 && out[i] <= out[i - 1])) {
        throw new IOException("malformed group: partition " + out[i] + " at position " + i);
      }
    }
    return out;
  }

  /** A RESULT frame carrying {@code parts} (tree nodes, in partition order) for {@code step}. */
  static int encodeResult(byte[] buf, int step, List<PartialSum> parts) {
    ByteBuffer b = body(buf);
    b.putInt(RESULT).putInt(step).putInt(parts.size());
    for (PartialSum p : parts) {
      float[] g = p.gradientSum();
      b.putInt(p.from()).putInt(p.to()).putDouble(p.lossSum()).putLong(p.count());
      b.putDouble(p.correct()).putLong(p.slowestComputeNanos()).putInt(g.length);
      putFloats(b, g);
    }
    return b.position();
  }

  /**
   * Reads the part {@code [from, to)} of a RESULT frame into {@code into} (the frame's op, step and
   * count already read).
   */
  static PartialSum readPart(ByteBuffer b, int from, int to, float[] into) throws IOException {
    int f = b.getInt();
    int t = b.getInt();
    if (f != from || t != to) {
      throw new IOException(
          "unexpected part; received partitions ["
              + f
              + ", "
              + t
              + "); expected ["
              + from
              + ", "
              + to
              + ")");
    }
    double loss = b.getDouble();
    long count = b.getLong();
    double correct = b.getDouble();
    long nanos = b.getLong();
    int n = b.getInt();
    if (n != into.length || b.remaining() < 4 * n) {
      throw new IOException(
          "gradient of partitions ["
              + from
              + ", "
              + to
              + "): expected "
              + into.length
              + " floats, received a header announcing "
              + n
              + " with "
              + b.remaining()
              + " bytes left");
    }
    getFloats(b, into);
    return new PartialSum(from, to, into, loss, count, correct, nanos);
  }

  static int encodeFailure(byte[] buf, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(text.length, MAX_REASON_BYTES);
    ByteBuffer b = body(buf);
    b.putInt(FAILED).putInt(n).put(text, 0, n);
    return 8 + n;
  }

  /** The reason of a FAILED frame (its op already read). */
  static String decodeFailure(ByteBuffer b) throws IOException {
    int n = b.getInt();
    if (n < 0 || n != b.remaining()) {
      throw new IOException("malformed failure message of " + n + " bytes");
    }
    byte[] text = new byte[n];
    b.get(text);
    return new String(text, StandardCharsets.UTF_8);
  }

  /**
   * Reads a float array of exactly {@code into.length} values (with its count) into {@code into}.
   */
  static void readFloats(ByteBuffer b, float[] into, String what) throws IOException {
    int n = b.getInt();
    if (n != into.length || b.remaining() != 4 * n) {
      throw new IOException(
          what
              + ": expected "
              + into.length
              + " floats, received a header announcing "
              + n
              + " in a body of "
              + b.remaining()
              + " bytes");
    }
    getFloats(b, into);
  }

  /** Writes {@code v} little-endian at b's position and advances it. */
  static void putFloats(ByteBuffer b, float[] v) {
    b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(v);
    b.position(b.position() + 4 * v.length);
  }

  /** Reads {@code into.length} little-endian floats at b's position and advances it. */
  static void getFloats(ByteBuffer b, float[] into) {
    b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into);
    b.position(b.position() + 4 * into.length);
  }

  private static ByteBuffer body(byte[] buf) {
    return ByteBuffer.wrap(buf, SyncChannel.HEADER, buf.length - SyncChannel.HEADER).slice();
  }
}
