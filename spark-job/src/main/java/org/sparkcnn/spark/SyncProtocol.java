package org.sparkcnn.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The messages between the driver and the tasks of a driver-sync epoch, each one frame of a {@link
 * SyncChannel} (authenticated, size-bounded, optionally encrypted). Internal to one training run
 * (both ends are this jar), so it is plain big-endian framing, never Java serialization.
 *
 * <pre>
 * driver → task  STEP       op=1:int epoch:int step:int globalStep:long n:int weights:float[n]
 * driver → task  DONE       op=2:int                   (the epoch is over: end the task)
 * driver → task  ABORT      op=3:int                   (the stage is being relaunched: end quietly)
 * task → driver  RESULT     op=10:int partition:int step:int loss:double count:long
 *                           correct:double computeNanos:long n:int gradientSum:float[n]
 * task → driver  FAILED     op=11:int reason:UTF-8     (the step threw; then the task ends)
 * task → driver  HEARTBEAT  op=12:int                  (every HEARTBEAT_MILLIS, from its own thread)
 * </pre>
 *
 * Frame bounds follow from the model's parameter count, which both ends know: a frame larger than
 * its message can be is refused before it is read.
 */
final class SyncProtocol {
  static final int STEP = 1;
  static final int DONE = 2;
  static final int ABORT = 3;
  static final int RESULT = 10;
  static final int FAILED = 11;
  static final int HEARTBEAT = 12;

  /** A task sends a heartbeat this often while it is alive. */
  static final int HEARTBEAT_MILLIS = 1000;

  /** Silence after which the driver declares a task stalled (a frozen or unreachable executor). */
  static final int STALL_MILLIS = 6000;

  /** The longest failure reason a task sends, in bytes. */
  static final int MAX_REASON_BYTES = 8000;

  private static final int STEP_HEAD = 4 + 4 + 4 + 8 + 4;
  private static final int RESULT_HEAD = 4 + 4 + 4 + 8 + 8 + 8 + 8 + 4;

  private SyncProtocol() {}

  static int stepBytes(int n) {
    return STEP_HEAD + 4 * n;
  }

  /** The bound of a frame a task sends: a result or a failure. */
  static int taskFrameBytes(int n) {
    return Math.max(RESULT_HEAD + 4 * n, 8 + MAX_REASON_BYTES);
  }

  /** A send buffer for frames of at most {@code bodyBytes}. */
  static byte[] buffer(int bodyBytes) {
    return new byte[SyncChannel.HEADER + bodyBytes];
  }

  static int encodeStep(byte[] buf, int epoch, int step, long globalStep, float[] params) {
    ByteBuffer b = body(buf);
    b.putInt(STEP).putInt(epoch).putInt(step).putLong(globalStep).putInt(params.length);
    b.asFloatBuffer().put(params);
    return STEP_HEAD + 4 * params.length;
  }

  static int encodeOp(byte[] buf, int op) {
    body(buf).putInt(op);
    return 4;
  }

  static int encodeResult(byte[] buf, StepResult r, int step) {
    ByteBuffer b = body(buf);
    float[] g = r.gradientSum();
    b.putInt(RESULT).putInt(r.partition()).putInt(step).putDouble(r.lossSum()).putLong(r.count());
    b.putDouble(r.correct()).putLong(r.computeNanos()).putInt(g.length);
    b.asFloatBuffer().put(g);
    return RESULT_HEAD + 4 * g.length;
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
    b.asFloatBuffer().get(into);
  }

  private static ByteBuffer body(byte[] buf) {
    return ByteBuffer.wrap(buf, SyncChannel.HEADER, buf.length - SyncChannel.HEADER).slice();
  }
}
