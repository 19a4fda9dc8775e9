package org.sparkcnn.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The executor-to-executor connections of the sharded topology: every group of a launch holds one
 * {@link SyncChannel} (authenticated with the run's key like the driver's, bounded frames,
 * encrypted when the run is) to each of its partners: all other G - 1 groups for the full mesh
 * ({@link ShardExchange}), log2 G of them for recursive halving ({@link HalvingExchange}). {@link
 * #exchange} sends one frame to every partner and receives one from every partner; {@link #swap}
 * trades one frame with one partner.
 *
 * <p>The full exchange runs in G - 1 rounds: in round r, group i sends to i + r and receives from i
 * - r (mod G), the send on a thread of its own. Each round pairs every sender with a receiver that
 * is reading from it, so large frames never wait on full socket buffers in a cycle (a plain "send
 * to all, then receive from all" deadlocks once frames exceed the buffers).
 *
 * <p>Group i connects to every partner j < i and accepts every partner j > i on its own {@link
 * SyncServer} (bound to the executor's address); the hello says role {@link SyncHello#PEER}, the
 * launch and the group's index, and anything else (a group that is not a partner included) is
 * closed.
 */
final class PeerMesh implements AutoCloseable {
  /** How often a wait for a peer looks at whether the task was cancelled. */
  private static final int POLL_MILLIS = 250;

  private final int self;
  private final SyncChannel[] peers;
  private final ExecutorService sender;
  private final int timeoutMillis;
  private byte[] sendBuffer = new byte[0];

  private PeerMesh(int self, SyncChannel[] peers, int timeoutMillis) {
    this.self = self;
    this.peers = peers;
    this.timeoutMillis = timeoutMillis;
    this.sender =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "spark-cnn-sync-peer-send");
              t.setDaemon(true);
              return t;
            });
  }

  /** Every group of {@code groups} but {@code self}: the full mesh's partners. */
  static boolean[] everyone(int self, int groups) {
    boolean[] partner = new boolean[groups];
    Arrays.fill(partner, true);
    partner[self] = false;
    return partner;
  }

  /**
   * Group {@code self}'s connections to the groups of {@code endpoints} marked in {@code partner}.
   */
  static PeerMesh connect(
      int self,
      List<InetSocketAddress> endpoints,
      boolean[] partner,
      SyncServer server,
      byte[] key,
      boolean encrypt,
      SyncHello me,
      int launch,
      int timeoutMillis,
      ScheduledExecutorService watchdog,
      Consumer<PeerMesh> started)
      throws IOException, InterruptedException {
    int g = endpoints.size();
    SyncChannel[] peers = new SyncChannel[g];
    PeerMesh mesh = new PeerMesh(self, peers, timeoutMillis);
    // Heartbeats go out on each connection as soon as it exists: a peer that finished its own
    // connections early must hear this one while it is still connecting to the others.
    started.accept(mesh);
    try {
      SyncHello hello =
          new SyncHello(
              SyncHello.PEER,
              me.run(),
              launch,
              self,
              me.attempt(),
              me.executorId(),
              me.host(),
              me.pid());
      int accepts = 0;
      for (int j = self + 1; j < g; j++) {
        accepts += partner[j] ? 1 : 0;
      }
      for (int j = 0; j < self; j++) {
        if (!partner[j]) {
          continue;
        }
        InetSocketAddress a = endpoints.get(j);
        SyncChannel c =
            SyncChannel.connect(a.getHostString(), a.getPort(), key, encrypt, hello, timeoutMillis);
        c.countAs(SyncTraffic.Side.GROUP);
        mesh.publish(j, c);
      }
      long deadline = System.currentTimeMillis() + timeoutMillis;
      int missing = accepts;
      while (missing > 0) {
        if (System.currentTimeMillis() > deadline) {
          throw new IOException(
              "executor group "
                  + self
                  + ": "
                  + missing
                  + " of "
                  + accepts
                  + " peers did not connect within "
                  + timeoutMillis / 1000
                  + " s");
        }
        SyncChannel c = server.poll(POLL_MILLIS);
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException();
        }
        if (c == null) {
          continue;
        }
        SyncHello h = c.peer();
        if (h.role() != SyncHello.PEER
            || h.run() != me.run()
            || h.launch() != launch
            || h.partition() <= self
            || h.partition() >= g
            || !partner[h.partition()]
            || peers[h.partition()] != null) {
          c.close();
          continue;
        }
        c.countAs(SyncTraffic.Side.GROUP);
        mesh.publish(h.partition(), c);
        missing--;
      }
      for (SyncChannel c : peers) {
        if (c != null) {
          c.boundSends(watchdog, timeoutMillis);
        }
      }
      return mesh;
    } catch (IOException | InterruptedException | RuntimeException e) {
      mesh.close();
      throw e;
    }
  }

  /** Makes peer j's connection visible to the heartbeat thread. */
  private synchronized void publish(int j, SyncChannel c) {
    peers[j] = c;
    SyncTraffic.PEER_CONNECTIONS.increment();
  }

  /**
   * What goes to peer {@code to}: the frame's body written at {@code buf[HEADER..]}, its length.
   */
  interface Outgoing {
    int encode(int to, byte[] buf);
  }

  /** What came from peer {@code from} (valid until the next frame from that peer). */
  interface Incoming {
    void decode(int from, ByteBuffer body) throws IOException;
  }

  /**
   * Sends {@code out}'s frame to every other group and hands every other group's frame to {@code
   * in}, in the paired rounds (the full mesh); each frame at most {@code maxBytes}. A peer that
   * fails, or is silent for timeout_seconds, fails the exchange with an {@link PeerLostException}
   * naming it.
   */
  void exchange(Outgoing out, int maxBytes, Incoming in)
      throws PeerLostException, InterruptedException {
    int g = peers.length;
    int[] to = new int[g - 1];
    int[] from = new int[g - 1];
    for (int r = 1; r < g; r++) {
      to[r - 1] = (self + r) % g;
      from[r - 1] = (self - r + g) % g;
    }
    rounds(to, from, out, maxBytes, in);
  }

  /** Sends {@code partner} one frame and hands its frame to {@code in}, as {@link #exchange}. */
  void swap(int partner, Outgoing out, int maxBytes, Incoming in)
      throws PeerLostException, InterruptedException {
    rounds(new int[] {partner}, new int[] {partner}, out, maxBytes, in);
  }

  /** Sends to {@code sendTo[r]} (on the sender thread) and receives from {@code receiveFrom[r]}. */
  private void rounds(int[] sendTo, int[] receiveFrom, Outgoing out, int maxBytes, Incoming in)
      throws PeerLostException, InterruptedException {
    if (sendBuffer.length < SyncChannel.HEADER + maxBytes) {
      sendBuffer = SyncProtocol.buffer(maxBytes);
    }
    Future<?> sends =
        sender.submit(
            () -> {
              long cpu = SyncTraffic.cpuNanos();
              for (int to : sendTo) {
                int length = out.encode(to, sendBuffer);
                try {
                  peers[to].send(sendBuffer, length);
                } catch (IOException e) {
                  throw new PeerLostException(
                      to, false, "sending to it failed: " + e.getMessage(), e);
                }
              }
              SyncTraffic.Side.GROUP.cpu(SyncTraffic.cpuNanos() - cpu);
              return null;
            });
    try {
      for (int from : receiveFrom) {
        try {
          in.decode(from, receiveData(from, maxBytes));
        } catch (IOException e) {
          throw new PeerLostException(from, false, String.valueOf(e.getMessage()), e);
        }
      }
      sends.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof PeerLostException p) {
        throw p;
      }
      throw new PeerLostException(-1, false, String.valueOf(e.getCause()), e.getCause());
    } finally {
      sends.cancel(true);
    }
  }

  /**
   * Peer {@code from}'s next frame that is not a heartbeat, waited for in short slices that watch
   * the task's cancellation; a peer silent for {@link SyncProtocol#STALL_MILLIS} (no heartbeat
   * either: its JVM is frozen) or without data for timeout_seconds is lost.
   */
  private ByteBuffer receiveData(int from, int maxBytes)
      throws PeerLostException, InterruptedException, IOException {
    long now = System.currentTimeMillis();
    long deadline = now + timeoutMillis;
    long heard = now;
    while (true) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException();
      }
      if (!peers[from].awaitReadable(POLL_MILLIS)) {
        now = System.currentTimeMillis();
        if (now - heard > SyncProtocol.STALL_MILLIS) {
          throw new PeerLostException(
              from,
              true,
              "no heartbeat for " + SyncProtocol.STALL_MILLIS / 1000 + " s (executor frozen?)",
              null);
        }
        if (now > deadline) {
          throw new PeerLostException(
              from, false, "no data within timeout_seconds=" + timeoutMillis / 1000, null);
        }
        continue;
      }
      ByteBuffer b = peers[from].receive(maxBytes, timeoutMillis);
      heard = System.currentTimeMillis();
      if (b.getInt(0) != SyncProtocol.HEARTBEAT) {
        return b;
      }
    }
  }

  /** Tells every peer this JVM is alive (from the group's heartbeat thread). */
  void heartbeat(byte[] frame, int length) {
    SyncChannel[] now;
    synchronized (this) {
      now = peers.clone();
    }
    for (SyncChannel c : now) {
      if (c != null && !c.isClosed()) {
        try {
          c.trySend(frame, length);
        } catch (IOException e) {
          // The exchange that reads from that peer reports it.
        }
      }
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
    for (SyncChannel c : peers) {
      if (c != null) {
        c.close();
      }
    }
  }

  /** A peer group's connection failed or went silent: the stage must be relaunched. */
  static final class PeerLostException extends Exception {
    private static final long serialVersionUID = 1L;
    final int peer;
    final boolean stalled;

    PeerLostException(int peer, boolean stalled, String reason, Throwable cause) {
      super(reason, cause);
      this.peer = peer;
      this.stalled = stalled;
    }
  }
}
