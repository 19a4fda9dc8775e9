package org.sparkcnn.spark;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire format between the driver and the tasks of a driver-sync epoch, over one TCP connection
 * per task. Internal to one training run (both ends are this jar), so it is plain big-endian
 * framing, never Java serialization.
 *
 * <pre>
 * task → driver  HELLO   magic:int token:long partition:int attempt:int
 * driver → task  STEP    op=1:int epoch:int step:int globalStep:long n:int weights:float[n]
 * driver → task  DONE    op=2:int
 * task → driver  RESULT  status=0:int partition:int step:int loss:double count:long
 *                        correct:double computeNanos:long n:int gradientSum:float[n]
 * task → driver  FAILED  status=1:int reason:UTF (then the task ends)
 * </pre>
 */
final class SyncProtocol {
  static final int MAGIC = 0x53434e4e; // "SCNN"
  static final int STEP = 1;
  static final int DONE = 2;
  static final int OK = 0;
  static final int FAILED = 1;

  private SyncProtocol() {}

  static void writeFloats(DataOutputStream out, float[] v, ByteBuffer scratch) throws IOException {
    out.writeInt(v.length);
    int i = 0;
    while (i < v.length) {
      scratch.clear();
      int n = Math.min(v.length - i, scratch.capacity() / 4);
      scratch.asFloatBuffer().put(v, i, n);
      out.write(scratch.array(), 0, n * 4);
      i += n;
    }
  }

  /**
   * Reads a float array of exactly {@code into.length} values (header included) into {@code into}.
   */
  static void readFloats(DataInputStream in, float[] into, ByteBuffer scratch, String what)
      throws IOException {
    int n = in.readInt();
    if (n != into.length) {
      throw new IOException(
          what + ": expected " + into.length + " floats, received a header " + "announcing " + n);
    }
    readFloatBody(in, into, n, scratch);
  }

  /** Reads n floats (no header) into {@code into}. */
  static void readFloatBody(DataInputStream in, float[] into, int n, ByteBuffer scratch)
      throws IOException {
    int i = 0;
    while (i < n) {
      int k = Math.min(n - i, scratch.capacity() / 4);
      in.readFully(scratch.array(), 0, k * 4);
      scratch.clear();
      scratch.asFloatBuffer().get(into, i, k);
      i += k;
    }
  }

  static ByteBuffer scratch() {
    return ByteBuffer.allocate(1 << 16).order(ByteOrder.BIG_ENDIAN);
  }
}
