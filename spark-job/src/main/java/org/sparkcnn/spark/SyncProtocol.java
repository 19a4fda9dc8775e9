package org.sparkcnn.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

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
 * task → driver  GROUP      op=13:int n:int partitions:int[n] peerPort:int peerHost:text
 *                           (first frame: whom it speaks for; where its peers reach it, port 0
 *                           in the star topology)
 * driver → task  PEERS      op=5:int self:int g:int, g times: port:int host:text n:int
 *                           partitions:int[n]        (sharded topology: every group, in order)
 * driver → task  STEP       op=1:int epoch:int step:int globalStep:long n:int weights:float[n]
 *                           (star topology: every step)
 * driver → task  START      op=4:int epoch:int fromStep:int toStep:int globalStep:long
 *                           iterations:long n:int weights:float[n] k:int, k times: slot:text
 *                           values:float[n]     (sharded topology: once per launch, the group's
 *                           shard of the weights and of the optimizer's state at fromStep)
 * driver → task  ACK        op=6:int step:int      (sharded: the driver has taken the sums of
 *                           steps up to this one; a group runs at most RUN_AHEAD_STEPS ahead)
 * driver → task  DONE       op=2:int                   (the epoch is over: end the task)
 * driver → task  ABORT      op=3:int                   (the stage is being relaunched: end quietly)
 * task → driver  RESULT     op=10:int step:int k:int, then k times (the tree nodes, in order):
 *                           from:int to:int loss:double count:long correct:double
 *                           slowestComputeNanos:long n:int gradientSum:float[n]
 * task → driver  FAILED     op=11:int reason:UTF-8     (a step threw; then the tasks end)
 * task → driver  HEARTBEAT  op=12:int                  (every HEARTBEAT_MILLIS, from its own thread)
 * task → driver  PEER_LOST  op=14:int peer:int stalled:int reason:UTF-8
 *                           (sharded: a peer group failed or went silent; relaunch)
 * group → group  SHARD      op=20:int step:int n:int weights:float[n]    (the sender's shard;
 *                           halving: the block of shards it holds)
 * group → group  SLICES     op=21:int step:int k:int, k parts as in RESULT, each gradient cut to
 *                           the receiver's shard (halving: to the receiver's half of the range
 *                           they share)           (also HEARTBEAT between them)
 * </pre>
 *
 * <p>In the sharded topology the driver's START to group j carries only shard j of the weights and
 * of the optimizer's state, once per launch; from then on the groups run the launch's steps on
 * their own: group j's RESULT of each step is one part over all partitions [0, P) cut to shard j,
 * and group j applies the optimizer to shard j itself. The driver receives M floats per step in
 * all, whatever the number of executors, and sends none.
 *
 * <p>Frame bounds follow from the model's parameter count and the group's size, which both ends
 * know: a frame larger than its message can be is refused before it is read.
 */
final class SyncProtocol {
  static final int STEP = 1;
  static final int DONE = 2;
  static final int ABORT = 3;
  static final int RESULT = 10;
  static final int FAILED = 11;
  static final int HEARTBEAT = 12;
  static final int GROUP = 13;
  static final int PEER_LOST = 14;
  static final int START = 4;
  static final int PEERS = 5;
  static final int ACK = 6;
  static final int SHARD = 20;
  static final int SLICES = 21;
  private static final int MAX_HOST = 255;

  /** A task sends a heartbeat this often while it is alive. */
  static final int HEARTBEAT_MILLIS = 1000;

  /** Silence after which the driver declares a task stalled (a frozen or unreachable executor). */
  static final int STALL_MILLIS = 6000;

  /**
   * How many steps' sums a sharded group may have sent the driver beyond the last one the driver
   * acknowledged: the group then waits for an ACK, so a busy driver holds back the executors
   * instead of having up to a socket buffer of sums (several steps of a small model) pile up.
   */
  static final int RUN_AHEAD_STEPS = 8;

  /** The largest frame the driver sends a sharded group after START: ACK, DONE or ABORT. */
  static final int ACK_BYTES = 8;

  /** The most optimizer state slots a START carries (Adam keeps two). */
  static final int MAX_SLOTS = 4;

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
      throw ErrorText.problem("an executor's pre-summed result would not fit one frame")
          .received(parts + " partial sums of " + n + " weights")
          .expected("at most 2 GiB")
          .hint(
              "fewer task slots per executor or a partition count that is a power of two"
                  + " (partitions on one executor then share tree nodes)")
          .illegalArgument();
    }
    return (int) Math.max(bytes, 8 + MAX_REASON_BYTES);
  }

  /** The bound of a START frame of {@code n} weights and {@code slots} optimizer state slots. */
  static int startBytes(int n, int slots) {
    return STEP_HEAD + 4 + 8 + 4 * n + 4 + slots * (1 + MAX_HOST + 4 + 4 * n);
  }

  /** The bound of a GROUP frame in a run of {@code partitions} partitions. */
  static int groupBytes(int partitions) {
    return 8 + 4 * partitions + 4 + 1 + MAX_HOST;
  }

  /** The bound of a PEERS frame for {@code groups} groups of {@code partitions} in all. */
  static int peersBytes(int groups, int partitions) {
    return 12 + groups * (4 + 1 + MAX_HOST + 4) + 4 * partitions;
  }

  /** The first float of shard j of n weights split over g groups. */
  static int shardStart(int n, int g, int j) {
    return (int) ((long) n * j / g);
  }

  /** A group's first frame: the partitions it speaks for and where its peers reach it. */
  record GroupHello(int[] partitions, String peerHost, int peerPort) {}

  /** A send buffer for frames of at most {@code bodyBytes}. */
  static byte[] buffer(int bodyBytes) {
    return new byte[SyncChannel.HEADER + bodyBytes];
  }

  static int encodeStep(byte[] buf, int epoch, int step, long globalStep, float[] params) {
    return encodeStep(buf, epoch, step, globalStep, params, 0, params.length);
  }

  /** A STEP carrying {@code params[lo, hi)} (all of them, or a sharded group's shard). */
  static int encodeStep(
      byte[] buf, int epoch, int step, long globalStep, float[] params, int lo, int hi) {
    ByteBuffer b = body(buf);
    b.putInt(STEP).putInt(epoch).putInt(step).putLong(globalStep).putInt(hi - lo);
    putFloats(b, params, lo, hi - lo);
    return STEP_HEAD + 4 * (hi - lo);
  }

  /**
   * A START for the steps {@code [fromStep, toStep)} of an epoch: {@code params[lo, hi)} and the
   * same range of each of the optimizer's state slots, after {@code iterations} updates.
   */
  static int encodeStart(
      byte[] buf,
      int epoch,
      int fromStep,
      int toStep,
      long globalStep,
      long iterations,
      float[] params,
      Map<String, float[]> state,
      int lo,
      int hi) {
    if (state.size() > MAX_SLOTS) {
      throw ErrorText.problem("an optimizer with too many state slots for the sharded topology")
          .received(state.keySet())
          .expected("at most " + MAX_SLOTS)
          .illegalArgument();
    }
    ByteBuffer b = body(buf);
    b.putInt(START).putInt(epoch).putInt(fromStep).putInt(toStep).putLong(globalStep);
    b.putLong(iterations).putInt(hi - lo);
    putFloats(b, params, lo, hi - lo);
    b.putInt(state.size());
    for (Map.Entry<String, float[]> slot : state.entrySet()) {
      putText(b, slot.getKey());
      b.putInt(hi - lo);
      putFloats(b, slot.getValue(), lo, hi - lo);
    }
    return b.position();
  }

  /** What a START says besides the weights: the steps to run and the optimizer's state. */
  record Start(
      int epoch,
      int fromStep,
      int toStep,
      long globalStep,
      long iterations,
      Map<String, float[]> state) {}

  /** Reads a START (op already read), its weights into {@code params[lo, hi)}. */
  static Start decodeStart(ByteBuffer b, float[] params, int lo, int hi) throws IOException {
    int epoch = b.getInt();
    int fromStep = b.getInt();
    int toStep = b.getInt();
    long globalStep = b.getLong();
    long iterations = b.getLong();
    if (fromStep < 0 || toStep < fromStep || iterations < 0) {
      throw new IOException(
          "malformed start: steps " + fromStep + " to " + toStep + " after " + iterations);
    }
    float[] shard = new float[hi - lo];
    readFloats(b, shard, "weights of the start", false);
    System.arraycopy(shard, 0, params, lo, shard.length);
    int k = b.getInt();
    if (k < 0 || k > MAX_SLOTS) {
      throw new IOException("malformed start: " + k + " optimizer slots");
    }
    Map<String, float[]> state = new LinkedHashMap<>();
    for (int i = 0; i < k; i++) {
      String slot = getText(b);
      float[] values = new float[hi - lo];
      readFloats(b, values, "optimizer slot " + slot, false);
      state.put(slot, values);
    }
    if (b.hasRemaining()) {
      throw new IOException("malformed start: " + b.remaining() + " bytes after the last slot");
    }
    return new Start(epoch, fromStep, toStep, globalStep, iterations, state);
  }

  static int encodeOp(byte[] buf, int op) {
    body(buf).putInt(op);
    return 4;
  }

  static int encodeAck(byte[] buf, int step) {
    body(buf).putInt(ACK).putInt(step);
    return ACK_BYTES;
  }

  static int encodeGroup(byte[] buf, int[] partitions, String peerHost, int peerPort) {
    ByteBuffer b = body(buf);
    b.putInt(GROUP).putInt(partitions.length);
    for (int p : partitions) {
      b.putInt(p);
    }
    b.putInt(peerPort);
    putText(b, peerHost);
    return b.position();
  }

  /** A GROUP frame (its op already read), checked against the run's partition count. */
  static GroupHello decodeGroup(ByteBuffer b, int partitions) throws IOException {
    int n = b.getInt();
    if (n <= 0 || n > partitions || b.remaining() < 4 * n + 5) {
      throw new IOException("malformed group of " + n + " partitions");
    }
    int[] out = readPartitions(b, n, partitions);
    int port = b.getInt();
    String host = getText(b);
    if (port < 0 || port > 65535 || b.hasRemaining()) {
      throw new IOException("malformed group: peer port " + port);
    }
    return new GroupHello(out, host, port);
  }

  /** The groups of a launch in order, as the driver tells each of them (sharded topology). */
  record Peers(int self, List<InetSocketAddress> endpoints, List<int[]> partitions) {}

  static int encodePeers(byte[] buf, int self, List<GroupHello> groups) {
    ByteBuffer b = body(buf);
    b.putInt(PEERS).putInt(self).putInt(groups.size());
    for (GroupHello g : groups) {
      b.putInt(g.peerPort());
      putText(b, g.peerHost());
      b.putInt(g.partitions().length);
      for (int p : g.partitions()) {
        b.putInt(p);
      }
    }
    return b.position();
  }

  static Peers decodePeers(ByteBuffer b, int partitions) throws IOException {
    int self = b.getInt();
    int g = b.getInt();
    if (g <= 0 || g > partitions || self < 0 || self >= g) {
      throw new IOException("malformed peer list: group " + self + " of " + g);
    }
    List<InetSocketAddress> endpoints = new ArrayList<>();
    List<int[]> members = new ArrayList<>();
    for (int i = 0; i < g; i++) {
      int port = b.getInt();
      String host = getText(b);
      int n = b.getInt();
      if (n <= 0 || n > partitions || b.remaining() < 4 * n) {
        throw new IOException("malformed peer list: group " + i + " of " + n + " partitions");
      }
      endpoints.add(InetSocketAddress.createUnresolved(host, port));
      members.add(readPartitions(b, n, partitions));
    }
    return new Peers(self, endpoints, members);
  }

  private static int[] readPartitions(ByteBuffer b, int n, int partitions) throws IOException {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = b.getInt();
      if (out[i] < 0 || out[i] >= partitions || (i > 0 && out[i] <= out[i - 1])) {
        throw new IOException("malformed group: partition " + out[i] + " at position " + i);
      }
    }
    return out;
  }

  static int encodePeerLost(byte[] buf, int peer, boolean stalled, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(text.length, MAX_REASON_BYTES);
    ByteBuffer b = body(buf);
    b.putInt(PEER_LOST).putInt(peer).putInt(stalled ? 1 : 0).putInt(n).put(text, 0, n);
    return b.position();
  }

  /** A SHARD frame: {@code params[lo, hi)}. */
  static int encodeShard(byte[] buf, int step, float[] params, int lo, int hi) {
    ByteBuffer b = body(buf);
    b.putInt(SHARD).putInt(step).putInt(hi - lo);
    putFloats(b, params, lo, hi - lo);
    return b.position();
  }

  /** The bound of a SHARD frame of at most {@code n} floats. */
  static int shardBytes(int n) {
    return 12 + 4 * n;
  }

  /** Reads a SHARD frame's floats (op already read) into {@code params[lo, hi)}. */
  static void readShard(ByteBuffer b, int step, float[] params, int lo, int hi) throws IOException {
    int s = b.getInt();
    int n = b.getInt();
    if (s != step || n != hi - lo || b.remaining() != 4 * n) {
      throw new IOException(
          ErrorText.problem("unexpected shard")
              .received("step " + s + " with " + n + " floats")
              .expected("step " + step + " with " + (hi - lo))
              .text());
    }
    getFloats(b, params, lo, n);
  }

  /** The bound of a RESULT or SLICES frame of {@code parts} parts of {@code n} floats each. */
  static int slicesBytes(int n, int parts) {
    return taskFrameBytes(n, parts);
  }

  /** A RESULT frame carrying {@code parts} (tree nodes, in partition order) for {@code step}. */
  static int encodeResult(byte[] buf, int step, List<PartialSum> parts) {
    return encodeParts(buf, RESULT, step, parts, 0, parts.get(0).gradientSum().length);
  }

  /** RESULT or SLICES: {@code parts} with each gradient cut to {@code [lo, hi)}. */
  static int encodeParts(byte[] buf, int op, int step, List<PartialSum> parts, int lo, int hi) {
    ByteBuffer b = body(buf);
    b.putInt(op).putInt(step).putInt(parts.size());
    for (PartialSum p : parts) {
      b.putInt(p.from()).putInt(p.to()).putDouble(p.lossSum()).putLong(p.count());
      b.putDouble(p.correct()).putLong(p.slowestComputeNanos()).putInt(hi - lo);
      putFloats(b, p.gradientSum(), lo, hi - lo);
    }
    return b.position();
  }

  /**
   * Reads the part {@code [from, to)} of a RESULT frame into {@code into} (the frame's op, step and
   * count already read).
   */
  static PartialSum readPart(ByteBuffer b, int from, int to, float[] into) throws IOException {
    return readPart(b, from, to, into, 0, into.length);
  }

  /**
   * Reads the part {@code [from, to)} of a RESULT or SLICES frame, a gradient cut to {@code [lo,
   * hi)}, into {@code into[lo, hi)}.
   */
  static PartialSum readPart(ByteBuffer b, int from, int to, float[] into, int lo, int hi)
      throws IOException {
    int f = b.getInt();
    int t = b.getInt();
    if (f != from || t != to) {
      throw new IOException(
          ErrorText.problem("unexpected part")
              .received("partitions [" + f + ", " + t + ")")
              .expected("[" + from + ", " + to + ")")
              .text());
    }
    double loss = b.getDouble();
    long count = b.getLong();
    double correct = b.getDouble();
    long nanos = b.getLong();
    int n = b.getInt();
    if (n != hi - lo || b.remaining() < 4 * n) {
      throw new IOException(
          ErrorText.problem("a gradient of the wrong size")
              .in("partitions [" + from + ", " + to + ")")
              .received(
                  "a header announcing " + n + " floats with " + b.remaining() + " bytes left")
              .expected((hi - lo) + " floats")
              .text());
    }
    getFloats(b, into, lo, n);
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
    readFloats(b, into, what, true);
  }

  /**
   * Reads a float array of exactly {@code into.length} values (with its count); {@code last}: the
   * frame must end after it.
   */
  static void readFloats(ByteBuffer b, float[] into, String what, boolean last) throws IOException {
    int n = b.getInt();
    if (n != into.length || (last ? b.remaining() != 4 * n : b.remaining() < 4 * n)) {
      throw new IOException(
          ErrorText.problem("floats of the wrong count")
              .in(what)
              .received("a header announcing " + n + " in a body of " + b.remaining() + " bytes")
              .expected(into.length + " floats")
              .text());
    }
    getFloats(b, into);
  }

  /** Writes {@code v} little-endian at b's position and advances it. */
  static void putFloats(ByteBuffer b, float[] v) {
    putFloats(b, v, 0, v.length);
  }

  static void putFloats(ByteBuffer b, float[] v, int off, int n) {
    b.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(v, off, n);
    b.position(b.position() + 4 * n);
  }

  /** Reads {@code into.length} little-endian floats at b's position and advances it. */
  static void getFloats(ByteBuffer b, float[] into) {
    getFloats(b, into, 0, into.length);
  }

  static void getFloats(ByteBuffer b, float[] into, int off, int n) {
    b.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into, off, n);
    b.position(b.position() + 4 * n);
  }

  /** A short text: its UTF-8 length in one byte, then at most 255 of its bytes. */
  static void putText(ByteBuffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(bytes.length, MAX_HOST);
    b.put((byte) n).put(bytes, 0, n);
  }

  static String getText(ByteBuffer b) throws IOException {
    int n = b.get() & 0xff;
    if (n > b.remaining()) {
      throw new IOException("malformed text of " + n + " bytes in a short frame");
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static ByteBuffer body(byte[] buf) {
    return ByteBuffer.wrap(buf, SyncChannel.HEADER, buf.length - SyncChannel.HEADER).slice();
  }
}
