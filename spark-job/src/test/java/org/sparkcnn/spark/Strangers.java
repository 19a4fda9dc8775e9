package org.sparkcnn.spark;

import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/** Connections a hostile or broken peer makes to a sync port; each reports how it ended. */
final class Strangers {
  private Strangers() {}

  static SyncHello hello(int launch, int partition) {
    return new SyncHello(SyncHello.TASK, 0, launch, partition, 0, "stranger", "nowhere", 1);
  }

  /** A client that knows the protocol but not the key; returns the error it got. */
  static IOException forged(InetAddress host, int port, boolean encrypt) {
    byte[] wrong = new byte[SyncSecret.KEY_BYTES];
    new SecureRandom().nextBytes(wrong);
    try (SyncChannel c =
        SyncChannel.connect(host.getHostAddress(), port, wrong, encrypt, hello(1, 0), 10_000)) {
      throw new AssertionError("a client with the wrong key was accepted");
    } catch (IOException e) {
      return e;
    }
  }

  /**
   * A task that holds the run's key and acts as one (hello, then its group claiming the hello's
   * partition), but whose hello names another run or launch; returns "closed" when the driver
   * closes it without sending a frame, else what it received.
   */
  static String late(InetAddress host, int port, byte[] key, SyncHello hello) throws IOException {
    try (SyncChannel c =
        SyncChannel.connect(host.getHostAddress(), port, key, false, hello, 10_000)) {
      byte[] group = SyncProtocol.buffer(SyncProtocol.groupBytes(hello.partition() + 1));
      c.send(group, SyncProtocol.encodeGroup(group, new int[] {hello.partition()}, "", 0));
      try {
        ByteBuffer b = c.receive(1 << 24, 40_000);
        return "a frame of " + b.remaining() + " bytes";
      } catch (EOFException | SocketException closed) {
        return "closed";
      }
    }
  }

  /** Connects and says nothing; returns the milliseconds until the server closed it. */
  static long silent(InetAddress host, int port) throws IOException {
    return millisUntilClosed(host, port, out -> {});
  }

  /** Answers the challenge with random bytes; returns the milliseconds until closed. */
  static long garbage(InetAddress host, int port) throws IOException {
    return millisUntilClosed(
        host,
        port,
        out -> {
          byte[] junk = new byte[200];
          new SecureRandom().nextBytes(junk);
          junk[0] = 0; // a plausible small length, so the server reads on and finds no magic
          junk[1] = 0;
          out.write(junk);
        });
  }

  /** Announces a 2 GiB handshake frame; returns the milliseconds until closed. */
  static long oversized(InetAddress host, int port) throws IOException {
    return millisUntilClosed(
        host, port, out -> new DataOutputStream(out).writeInt(Integer.MAX_VALUE));
  }

  interface Act {
    void on(OutputStream out) throws IOException;
  }

  private static long millisUntilClosed(InetAddress host, int port, Act act) throws IOException {
    try (Socket s = new Socket(host, port)) {
      long started = System.nanoTime();
      s.setSoTimeout(30_000);
      act.on(s.getOutputStream());
      drain(s.getInputStream());
      return (System.nanoTime() - started) / 1_000_000;
    }
  }

  /** Reads until the peer closes (or resets) the connection. */
  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[4096];
    try {
      while (in.read(buf) >= 0) {
        // the server's challenge, then nothing
      }
    } catch (SocketException reset) {
      // closed with unread data in its buffer: a reset is a close too
    }
  }
}
