package org.sparkcnn.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The driver's listening end of the sync channel. Bound to one address (the driver's bind address,
 * not every interface), it accepts for as long as it is open, on its own thread, and runs each
 * handshake on a small pool with a deadline of {@link #HANDSHAKE_MILLIS}: a silent, garbage or
 * forged connection is closed within seconds without ever blocking the accepting of the run's own
 * tasks. Authenticated connections wait in a queue for the runner to claim them.
 *
 * <p>At most {@link #MAX_PENDING_HANDSHAKES} handshakes run at once; beyond that a new connection
 * is closed at once (a flood of strangers cannot exhaust threads or memory).
 */
final class SyncServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SyncServer.class.getName());
  static final int HANDSHAKE_MILLIS = 5000;
  static final int MAX_PENDING_HANDSHAKES = 64;
  private static final int LOGGED_REFUSALS = 20;

  private final ServerSocket server;
  private final byte[] key;
  private final boolean encrypt;
  private final BlockingQueue<SyncChannel> authenticated = new LinkedBlockingQueue<>();
  private final Semaphore pending = new Semaphore(MAX_PENDING_HANDSHAKES);
  private final ExecutorService handshakes =
      Executors.newCachedThreadPool(daemon("spark-cnn-sync-handshake"));
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(daemon("spark-cnn-sync-watchdog"));
  private final AtomicLong refused = new AtomicLong();
  private final Thread acceptor;

  /**
   * Listens on {@code bind} (port chosen by the system).
   *
   * @param key the run's 32-byte key
   * @param encrypt whether connections are encrypted after the handshake
   */
  SyncServer(InetAddress bind, byte[] key, boolean encrypt, int backlog) throws IOException {
    this.key = key.clone();
    this.encrypt = encrypt;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(bind, 0), backlog);
    acceptor = daemon("spark-cnn-sync-accept").newThread(this::acceptLoop);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  InetAddress address() {
    return server.getInetAddress();
  }

  boolean encrypt() {
    return encrypt;
  }

  /** The watchdog that bounds sends on this server's connections. */
  ScheduledExecutorService watchdog() {
    return watchdog;
  }

  /** Connections refused so far (failed or timed-out handshakes, overflow). */
  long refused() {
    return refused.get();
  }

  /** The next authenticated connection, or null after {@code millis}. */
  SyncChannel poll(long millis) throws InterruptedException {
    return authenticated.poll(millis, TimeUnit.MILLISECONDS);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (!server.isClosed()) {
          LOG.log(Level.WARNING, "spark-cnn sync port: accept failed; retrying", e);
          sleepQuietly(100);
        }
        continue;
      }
      if (!pending.tryAcquire()) {
        refuse(s, "too many handshakes in progress");
        continue;
      }
      try {
        handshakes.execute(() -> handshake(s));
      } catch (RuntimeException e) {
        pending.release();
        refuse(s, "server closing");
      }
    }
  }

  private void handshake(Socket s) {
    try {
      SyncChannel c =
          SyncChannel.accept(s, key, encrypt, System.currentTimeMillis() + HANDSHAKE_MILLIS);
      if (server.isClosed()) {
        c.close();
      } else {
        authenticated.add(c);
      }
    } catch (IOException | RuntimeException e) {
      refuse(s, e.getMessage());
    } finally {
      pending.release();
    }
  }

  private void refuse(Socket s, String why) {
    long n = refused.incrementAndGet();
    String from = String.valueOf(s.getRemoteSocketAddress());
    try {
      s.close();
    } catch (IOException ignored) {
      // Already refused.
    }
    if (n <= LOGGED_REFUSALS || n % 1000 == 0) {
      LOG.warning(
          "spark-cnn sync port "
              + port()
              + ": refused a connection from "
              + from
              + " ("
              + why
              + "); "
              + n
              + " refused so far");
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing a listening socket has nothing to recover.
    }
    handshakes.shutdownNow();
    watchdog.shutdownNow();
    SyncChannel c;
    while ((c = authenticated.poll()) != null) {
      c.close();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
