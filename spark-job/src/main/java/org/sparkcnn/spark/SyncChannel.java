package org.sparkcnn.spark;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.sparkcnn.core.errors.ErrorText;

/**
 * One authenticated connection of the sync channel: length-prefixed frames with a size bound,
 * opened by a mutual challenge-response on the run's key, optionally encrypted (AES-256-GCM).
 *
 * <p>The handshake (every frame {@code length:int body}, at most {@link #HANDSHAKE_BYTES}):
 *
 * <pre>
 * server → client  CHALLENGE  magic:int version:int flags:int serverNonce:byte[32]
 * client → server  RESPONSE   magic:int hello:SyncHello clientNonce:byte[32]
 *                             mac:HMAC-SHA256(key, "client" || CHALLENGE || RESPONSE before mac)
 * server → client  ACCEPT     mac:HMAC-SHA256(key, "server" || CHALLENGE || RESPONSE)
 * </pre>
 *
 * The server speaks first, so a silent or slow stranger costs only a socket until the handshake
 * deadline; a wrong magic or MAC closes the connection at once and nothing of the run is ever sent
 * before the client has proven the key. The client checks the server's MAC too (a fake driver
 * learns nothing and cannot make a task compute on its weights). The flags (bit 0: encrypt) are
 * covered by both MACs, so a man in the middle cannot turn encryption off.
 *
 * <p>Encrypted frames: {@code length:int ciphertext||tag}, AES-256-GCM with a key per direction,
 * {@code HMAC-SHA256(key, "c2s"|"s2c" || serverNonce || clientNonce)}, fresh for each connection,
 * the frame counter as IV and the length as associated data: a frame cannot be altered, replayed,
 * reordered or moved to another connection without failing the tag check.
 *
 * <p>Sends hold a lock (a task's heartbeat thread shares the connection); receives belong to one
 * thread.
 */
final class SyncChannel implements AutoCloseable {
  static final int MAGIC = 0x53434e4e; // "SCNN"
  static final int VERSION = 4;
  static final int NONCE_BYTES = 32;
  static final int MAC_BYTES = 32;
  static final int HANDSHAKE_BYTES = 1024;

  /** Room a caller leaves at the start of a send buffer for the frame header. */
  static final int HEADER = 4;

  private static final int FLAG_ENCRYPT = 1;
  private static final int TAG_BYTES = 16;
  private static final byte[] CLIENT = "client".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SERVER = "server".getBytes(StandardCharsets.US_ASCII);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final SyncHello peer;
  private final Cipher sendCipher;
  private final Cipher receiveCipher;
  private final SecretKeySpec sendKey;
  private final SecretKeySpec receiveKey;
  private long sent;
  private long received;
  private ScheduledExecutorService watchdog;
  private final ReentrantLock sendLock = new ReentrantLock();
  private int sendTimeoutMillis;
  private byte[] readBuffer = new byte[256];
  private SyncTraffic.Side side;
  private byte[] plainBuffer = new byte[0];
  private byte[] cipherBuffer = new byte[0];

  private SyncChannel(Socket socket, InputStream in, SyncHello peer, byte[][] keys)
      throws IOException {
    this.socket = socket;
    this.in = in;
    this.out = socket.getOutputStream();
    this.peer = peer;
    if (keys == null) {
      sendCipher = receiveCipher = null;
      sendKey = receiveKey = null;
    } else {
      try {
        sendCipher = Cipher.getInstance("AES/GCM/NoPadding");
        receiveCipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES/GCM is part of every JDK", e);
      }
      sendKey = new SecretKeySpec(keys[0], "AES");
      receiveKey = new SecretKeySpec(keys[1], "AES");
    }
  }

  /** Counts this connection's bytes on {@code side} of {@link SyncTraffic}. */
  void countAs(SyncTraffic.Side side) {
    this.side = side;
  }

  /** The connecting side's declaration (on the server), or the hello this side sent (client). */
  SyncHello peer() {
    return peer;
  }

  boolean encrypted() {
    return sendCipher != null;
  }

  /**
   * Bounds every later send by closing the connection when it takes longer than {@code millis}: a
   * blocking socket write has no timeout of its own, and a frozen peer stops reading once its
   * socket buffer is full.
   */
  void boundSends(ScheduledExecutorService watchdog, int millis) {
    this.watchdog = watchdog;
    this.sendTimeoutMillis = millis;
  }

  /**
   * The server's side of the handshake on a just-accepted socket; the socket is closed on any
   * failure. Every read waits at most until {@code deadlineMillis} (System.currentTimeMillis).
   */
  static SyncChannel accept(Socket s, byte[] key, boolean encrypt, long deadlineMillis)
      throws IOException {
    try {
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
      byte[] serverNonce = nonce();
      ByteBuffer challenge = frame(HANDSHAKE_BYTES);
      challenge.putInt(MAGIC).putInt(VERSION).putInt(encrypt ? FLAG_ENCRYPT : 0).put(serverNonce);
      writeFrame(s.getOutputStream(), challenge);
      byte[] response = readHandshakeFrame(s, in, deadlineMillis);
      ByteBuffer r = ByteBuffer.wrap(response);
      if (response.length < 4 + NONCE_BYTES + MAC_BYTES || r.getInt() != MAGIC) {
        throw new IOException("not a spark-cnn sync client");
      }
      SyncHello hello;
      try {
        hello = SyncHello.readFrom(r);
      } catch (RuntimeException e) {
        throw new IOException("malformed hello", e);
      }
      if (r.remaining() != NONCE_BYTES + MAC_BYTES) {
        throw new IOException("malformed hello");
      }
      byte[] clientNonce = new byte[NONCE_BYTES];
      r.get(clientNonce);
      byte[] mac = new byte[MAC_BYTES];
      r.get(mac);
      byte[] challengeBytes = body(challenge);
      byte[] expected =
          hmac(key, CLIENT, challengeBytes, Arrays.copyOf(response, response.length - MAC_BYTES));
      if (!MessageDigest.isEqual(expected, mac)) {
        throw new IOException("wrong key: the client's MAC does not match");
      }
      ByteBuffer accept = frame(HANDSHAKE_BYTES);
      accept.put(hmac(key, SERVER, challengeBytes, response));
      writeFrame(s.getOutputStream(), accept);
      return new SyncChannel(
          s,
          in,
          hello,
          encrypt ? directionKeys(key, "s2c", "c2s", serverNonce, clientNonce) : null);
    } catch (IOException | RuntimeException e) {
      closeQuietly(s);
      throw e;
    }
  }

  /**
   * The client's side: connects, proves the key, checks the server's proof. {@code encrypt} is what
   * the driver announced in the task's closure; a server that offers anything else is refused.
   */
  static SyncChannel connect(
      String host, int port, byte[] key, boolean encrypt, SyncHello hello, int timeoutMillis)
      throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setTcpNoDelay(true);
      long deadline = System.currentTimeMillis() + timeoutMillis;
      InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
      byte[] challenge = readHandshakeFrame(s, in, deadline);
      ByteBuffer c = ByteBuffer.wrap(challenge);
      if (challenge.length != 12 + NONCE_BYTES || c.getInt() != MAGIC) {
        throw new IOException("the driver's sync port did not answer as a spark-cnn driver");
      }
      int version = c.getInt();
      int flags = c.getInt();
      if (version != VERSION) {
        throw new IOException(
            ErrorText.problem("sync protocol version mismatch")
                .received(version)
                .expected(String.valueOf(VERSION))
                .hint("driver and executors must run the same spark-cnn jar")
                .text());
      }
      if (((flags & FLAG_ENCRYPT) != 0) != encrypt) {
        throw new IOException(
            "the driver's sync port offered encryption "
                + ((flags & FLAG_ENCRYPT) != 0 ? "on" : "off")
                + " but the run asked for it "
                + (encrypt ? "on" : "off"));
      }
      byte[] serverNonce = new byte[NONCE_BYTES];
      c.get(serverNonce);
      byte[] clientNonce = nonce();
      ByteBuffer response = frame(HANDSHAKE_BYTES);
      response.putInt(MAGIC);
      hello.writeTo(response);
      response.put(clientNonce);
      byte[] unsigned = body(response);
      response.put(hmac(key, CLIENT, challenge, unsigned));
      writeFrame(s.getOutputStream(), response);
      byte[] accept = readHandshakeFrame(s, in, deadline);
      if (!MessageDigest.isEqual(accept, hmac(key, SERVER, challenge, body(response)))) {
        throw new IOException("the driver's sync port could not prove the run's key");
      }
      return new SyncChannel(
          s,
          in,
          hello,
          encrypt ? directionKeys(key, "c2s", "s2c", serverNonce, clientNonce) : null);
    } catch (IOException | RuntimeException e) {
      closeQuietly(s);
      throw e;
    }
  }

  /**
   * Sends one frame whose body is {@code buf[HEADER, HEADER + length)}; {@code buf[0, HEADER)} is
   * overwritten with the header (the body is left intact, so one buffer can go to several
   * channels).
   */
  void send(byte[] buf, int length) throws IOException {
    sendLock.lock();
    try {
      guardedSend(buf, length);
    } finally {
      sendLock.unlock();
    }
  }

  /**
   * Sends like {@link #send} unless another send is in progress, then returns false at once: a
   * heartbeat must not wait behind a large frame to a peer that is not reading yet (the frame's
   * bytes already tell that peer this side is alive).
   */
  boolean trySend(byte[] buf, int length) throws IOException {
    if (!sendLock.tryLock()) {
      return false;
    }
    try {
      guardedSend(buf, length);
      return true;
    } finally {
      sendLock.unlock();
    }
  }

  private void guardedSend(byte[] buf, int length) throws IOException {
    ScheduledFuture<?> guard;
    try {
      guard =
          watchdog == null
              ? null
              : watchdog.schedule(this::close, sendTimeoutMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      throw new IOException("the connection is closing", e);
    }
    try {
      sendFrame(buf, length);
      if (side != null) {
        side.sent(HEADER + length);
      }
    } finally {
      if (guard != null) {
        guard.cancel(false);
      }
    }
  }

  private void sendFrame(byte[] buf, int length) throws IOException {
    if (sendCipher == null) {
      buf[0] = (byte) (length >>> 24);
      buf[1] = (byte) (length >>> 16);
      buf[2] = (byte) (length >>> 8);
      buf[3] = (byte) length;
      out.write(buf, 0, HEADER + length);
      out.flush();
      return;
    }
    int sealed = length + TAG_BYTES;
    if (cipherBuffer.length < HEADER + sealed) {
      cipherBuffer = new byte[HEADER + sealed];
    }
    ByteBuffer.wrap(cipherBuffer).putInt(sealed);
    try {
      sendCipher.init(Cipher.ENCRYPT_MODE, sendKey, iv(sent++));
      sendCipher.updateAAD(cipherBuffer, 0, HEADER);
      sendCipher.doFinal(buf, HEADER, length, cipherBuffer, HEADER);
    } catch (GeneralSecurityException e) {
      throw new IOException("could not encrypt a sync frame", e);
    }
    out.write(cipherBuffer, 0, HEADER + sealed);
    out.flush();
  }

  /**
   * Receives one frame of at most {@code maxBytes}; waits at most {@code idleMillis} for each part
   * of it ({@link SocketTimeoutException} when the peer is silent that long). The returned buffer
   * (big-endian, positioned at the body) is valid until the next receive.
   */
  ByteBuffer receive(int maxBytes, int idleMillis) throws IOException {
    socket.setSoTimeout(idleMillis);
    byte[] header = new byte[HEADER];
    readFully(in, header, HEADER);
    int length = ByteBuffer.wrap(header).getInt();
    int bound = receiveCipher == null ? maxBytes : maxBytes + TAG_BYTES;
    if (length < 0 || length > bound) {
      throw new IOException(
          ErrorText.problem("sync frame too large")
              .received("a header announcing " + Integer.toUnsignedString(length) + " bytes")
              .expected("at most " + bound)
              .text());
    }
    if (readBuffer.length < length) {
      readBuffer = new byte[length];
    }
    readFully(in, readBuffer, length);
    if (side != null) {
      side.received(HEADER + length);
    }
    if (receiveCipher == null) {
      return ByteBuffer.wrap(readBuffer, 0, length).slice().order(ByteOrder.BIG_ENDIAN);
    }
    if (length < TAG_BYTES) {
      throw new IOException("sync frame shorter than its tag: " + length + " bytes");
    }
    if (plainBuffer.length < length - TAG_BYTES) {
      plainBuffer = new byte[length - TAG_BYTES];
    }
    try {
      receiveCipher.init(Cipher.DECRYPT_MODE, receiveKey, iv(received++));
      receiveCipher.updateAAD(header);
      int n = receiveCipher.doFinal(readBuffer, 0, length, plainBuffer, 0);
      return ByteBuffer.wrap(plainBuffer, 0, n).slice().order(ByteOrder.BIG_ENDIAN);
    } catch (GeneralSecurityException e) {
      throw new IOException("a sync frame failed its integrity check", e);
    }
  }

  /**
   * Whether a byte of the next frame arrives within {@code millis}, consuming nothing: lets a
   * reader wait in short slices and look at its task's cancellation in between (a thread blocked in
   * a socket read does not see an interrupt).
   */
  boolean awaitReadable(int millis) throws IOException {
    if (in.available() > 0) {
      return true;
    }
    socket.setSoTimeout(millis);
    in.mark(1);
    try {
      if (in.read() < 0) {
        throw new EOFException("connection closed by the peer");
      }
    } catch (SocketTimeoutException e) {
      return false;
    }
    in.reset();
    return true;
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  boolean isClosed() {
    return socket.isClosed();
  }

  // ---- handshake helpers ----

  private static ByteBuffer frame(int capacity) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + capacity);
    b.position(HEADER);
    return b;
  }

  private static byte[] body(ByteBuffer frame) {
    return Arrays.copyOfRange(frame.array(), HEADER, frame.position());
  }

  private static void writeFrame(OutputStream out, ByteBuffer frame) throws IOException {
    int length = frame.position() - HEADER;
    frame.putInt(0, length);
    out.write(frame.array(), 0, frame.position());
    out.flush();
  }

  /** Reads one handshake frame, bounded in size and in time (the deadline covers every byte). */
  private static byte[] readHandshakeFrame(Socket s, InputStream in, long deadline)
      throws IOException {
    byte[] header = new byte[HEADER];
    readBefore(s, in, header, deadline);
    int length = ByteBuffer.wrap(header).getInt();
    if (length < 0 || length > HANDSHAKE_BYTES) {
      throw new IOException("handshake frame of " + length + " bytes");
    }
    byte[] body = new byte[length];
    readBefore(s, in, body, deadline);
    return body;
  }

  private static void readBefore(Socket s, InputStream in, byte[] into, long deadline)
      throws IOException {
    int at = 0;
    while (at < into.length) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new SocketTimeoutException("handshake deadline passed");
      }
      s.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
      int n = in.read(into, at, into.length - at);
      if (n < 0) {
        throw new EOFException("connection closed during the handshake");
      }
      at += n;
    }
  }

  private static void readFully(InputStream in, byte[] into, int length) throws IOException {
    int at = 0;
    while (at < length) {
      int n = in.read(into, at, length - at);
      if (n < 0) {
        throw new EOFException("connection closed by the peer");
      }
      at += n;
    }
  }

  private static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    new SecureRandom().nextBytes(n);
    return n;
  }

  /** The keys of this end's sending and receiving directions, in that order. */
  private static byte[][] directionKeys(
      byte[] key, String sending, String receiving, byte[] ns, byte[] nc) {
    return new byte[][] {directionKey(key, sending, ns, nc), directionKey(key, receiving, ns, nc)};
  }

  private static byte[] directionKey(byte[] key, String direction, byte[] ns, byte[] nc) {
    return hmac(key, direction.getBytes(StandardCharsets.US_ASCII), ns, nc);
  }

  static byte[] hmac(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (byte[] p : parts) {
        mac.update(p);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static GCMParameterSpec iv(long counter) {
    byte[] iv = new byte[12];
    ByteBuffer.wrap(iv).putLong(4, counter);
    return new GCMParameterSpec(TAG_BYTES * 8, iv);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Closing a socket has nothing to recover.
    }
  }
}
