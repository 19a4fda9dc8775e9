package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sync channel on its own (no Spark): the handshake admits only the key's holder, frames are
 * bounded, encrypted frames are unreadable and tamper-evident, and strangers are closed within
 * seconds while the server goes on accepting.
 */
class SyncChannelTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private static byte[] key() {
    byte[] k = new byte[SyncSecret.KEY_BYTES];
    new SecureRandom().nextBytes(k);
    return k;
  }

  private static SyncChannel connect(SyncServer server, byte[] key, boolean encrypt, int port)
      throws IOException {
    return SyncChannel.connect(
        LOOPBACK.getHostAddress(), port, key, encrypt, Strangers.hello(7, 2), 10_000);
  }

  private static SyncChannel claim(SyncServer server) throws InterruptedException {
    SyncChannel c = server.poll(10_000);
    assertNotNull(c, "the server should have authenticated the client");
    return c;
  }

  @ParameterizedTest(name = "encrypt={0}")
  @ValueSource(booleans = {false, true})
  void theKeysHolderConnectsAndFramesRoundTrip(boolean encrypt) throws Exception {
    byte[] key = key();
    try (SyncServer server = new SyncServer(LOOPBACK, key, encrypt, 4);
        SyncChannel client = connect(server, key, encrypt, server.port());
        SyncChannel driver = claim(server)) {
      assertEquals(Strangers.hello(7, 2), driver.peer(), "the server sees the client's hello");
      assertEquals(encrypt, driver.encrypted());
      float[] weights = {1.5f, -2f, Float.MIN_VALUE, Float.NaN};
      byte[] buf = SyncProtocol.buffer(SyncProtocol.stepBytes(weights.length));
      int length = SyncProtocol.encodeStep(buf, 3, 4, 5L, weights);
      driver.send(buf, length);
      driver.send(buf, length); // a second frame: the GCM counter moves on in step
      for (int i = 0; i < 2; i++) {
        ByteBuffer b = client.receive(SyncProtocol.stepBytes(weights.length), 5_000);
        assertEquals(SyncProtocol.STEP, b.getInt());
        assertEquals(3, b.getInt());
        assertEquals(4, b.getInt());
        assertEquals(5L, b.getLong());
        float[] got = new float[weights.length];
        SyncProtocol.readFloats(b, got, "weights");
        assertArrayEquals(weights, got);
      }
    }
  }

  @ParameterizedTest(name = "encrypt={0}")
  @ValueSource(booleans = {false, true})
  void aWrongKeyIsRefusedOnBothSides(boolean encrypt) throws Exception {
    byte[] key = key();
    try (SyncServer server = new SyncServer(LOOPBACK, key, encrypt, 4)) {
      IOException e = Strangers.forged(LOOPBACK, server.port(), encrypt);
      assertNotNull(e);
      awaitRefused(server, 1);
      assertEquals(null, server.poll(200), "nothing reaches the runner");
    }
    // A fake server (another key) cannot convince a real client either.
    try (SyncServer fake = new SyncServer(LOOPBACK, key(), encrypt, 4)) {
      assertThrows(IOException.class, () -> connect(fake, key, encrypt, fake.port()));
    }
  }

  @Test
  void aServerThatDropsEncryptionIsRefused() throws Exception {
    byte[] key = key();
    try (SyncServer plain = new SyncServer(LOOPBACK, key, false, 4)) {
      IOException e =
          assertThrows(IOException.class, () -> connect(plain, key, true, plain.port()));
      assertTrue(e.getMessage().contains("encryption"), e.getMessage());
    }
  }

  @Test
  void strangersAreClosedWithinSecondsAndAcceptingGoesOn() throws Exception {
    byte[] key = key();
    try (SyncServer server = new SyncServer(LOOPBACK, key, false, 4)) {
      CompletableFuture<Long> silent =
          CompletableFuture.supplyAsync(
              () -> unchecked(() -> Strangers.silent(LOOPBACK, server.port())));
      long garbage = Strangers.garbage(LOOPBACK, server.port());
      long oversized = Strangers.oversized(LOOPBACK, server.port());
      assertTrue(garbage < 2_000, "garbage closed after " + garbage + " ms");
      assertTrue(oversized < 2_000, "oversized handshake closed after " + oversized + " ms");
      // While the silent one is still open, the key's holder gets in at once.
      try (SyncChannel client = connect(server, key, false, server.port());
          SyncChannel accepted = claim(server)) {
        assertFalse(silent.isDone(), "the silent stranger is held only by its own handshake");
        assertEquals(2, accepted.peer().partition());
      }
      long held = silent.get(20, TimeUnit.SECONDS);
      assertTrue(
          held >= SyncServer.HANDSHAKE_MILLIS - 500 && held < SyncServer.HANDSHAKE_MILLIS + 3_000,
          "silent stranger closed after " + held + " ms");
      awaitRefused(server, 3);
    }
  }

  @ParameterizedTest(name = "encrypt={0}")
  @ValueSource(booleans = {false, true})
  void aFrameOverItsBoundIsRefusedBeforeItIsRead(boolean encrypt) throws Exception {
    byte[] key = key();
    try (SyncServer server = new SyncServer(LOOPBACK, key, encrypt, 4);
        SyncChannel client = connect(server, key, encrypt, server.port());
        SyncChannel driver = claim(server)) {
      float[] gradient = new float[1000];
      byte[] buf = SyncProtocol.buffer(SyncProtocol.stepBytes(gradient.length));
      client.send(buf, SyncProtocol.encodeStep(buf, 0, 0, 0, gradient));
      IOException e =
          assertThrows(IOException.class, () -> driver.receive(SyncProtocol.stepBytes(999), 5_000));
      assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }
  }

  @Test
  void encryptedFramesAreUnreadableOnTheWireAndATamperedOneFails() throws Exception {
    byte[] key = key();
    try (SyncServer server = new SyncServer(LOOPBACK, key, true, 4);
        Relay relay = new Relay(server.port());
        SyncChannel client = connect(server, key, true, relay.port());
        SyncChannel driver = claim(server)) {
      byte[] pattern = new byte[4096];
      Arrays.fill(pattern, (byte) 0x5a);
      float[] weights = new float[1024];
      Arrays.fill(weights, Float.intBitsToFloat(0x5a5a5a5a));
      byte[] buf = SyncProtocol.buffer(SyncProtocol.stepBytes(weights.length));
      int length = SyncProtocol.encodeStep(buf, 0, 0, 0, weights);
      client.send(buf, length);
      driver.receive(SyncProtocol.stepBytes(weights.length), 5_000);
      assertFalse(
          contains(relay.seen(), Arrays.copyOf(pattern, 64)),
          "64 plaintext bytes of the weights crossed the wire in the clear");
      relay.flipNextByteAfter(100);
      client.send(buf, length);
      IOException e =
          assertThrows(
              IOException.class,
              () -> driver.receive(SyncProtocol.stepBytes(weights.length), 5_000));
      assertTrue(e.getMessage().contains("integrity"), e.getMessage());
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static void awaitRefused(SyncServer server, long n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (server.refused() < n && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(server.refused() >= n, "refused " + server.refused() + ", expected " + n);
  }

  interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static <T> T unchecked(IoSupplier<T> s) {
    try {
      return s.get();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A man in the middle: forwards both ways, records client → server bytes, can flip one. */
  private static final class Relay implements AutoCloseable {
    private final ServerSocket listen;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
    private final AtomicInteger flipAfter = new AtomicInteger(-1);

    Relay(int target) throws IOException {
      listen = new ServerSocket(0, 1, LOOPBACK);
      Thread t =
          new Thread(
              () -> {
                try (Socket in = listen.accept();
                    Socket out = new Socket(LOOPBACK, target)) {
                  Thread back = pump(out.getInputStream(), in.getOutputStream(), false);
                  pump(in.getInputStream(), out.getOutputStream(), true).join();
                  back.join();
                } catch (IOException | InterruptedException e) {
                  // the test is over
                }
              });
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return listen.getLocalPort();
    }

    synchronized byte[] seen() {
      return seen.toByteArray();
    }

    void flipNextByteAfter(int n) {
      flipAfter.set(n);
    }

    private Thread pump(InputStream from, OutputStream to, boolean record) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[8192];
                try {
                  int n;
                  while ((n = from.read(buf)) >= 0) {
                    if (record) {
                      synchronized (this) {
                        seen.write(buf, 0, n);
                      }
                      int at = flipAfter.getAndSet(-1);
                      if (at >= 0) {
                        buf[Math.min(at, n - 1)] ^= 1;
                      }
                    }
                    to.write(buf, 0, n);
                    to.flush();
                  }
                  to.close();
                } catch (IOException e) {
                  // closed
                }
              });
      t.setDaemon(true);
      t.start();
      return t;
    }

    @Override
    public void close() throws IOException {
      listen.close();
    }
  }
}
