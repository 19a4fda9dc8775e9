package org.sparkcnn.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.errors.Rethrow;

/**
 * Whole-file reads the way every loader does them: regular files only (a link to /dev/zero, a
 * device or a FIFO is refused before it is opened: /dev/zero never ends, a FIFO blocks its reader),
 * never more than the length the file declares, and within {@link #TIMEOUT_SECONDS}, so that a read
 * that stalls (a FIFO swapped in after the check, a hung network mount) fails instead of hanging
 * the job.
 */
public final class RegularFiles {
  /**
   * How long one file read may take, in seconds: 120, or the system property {@code
   * sparkcnn.read.timeout.seconds}.
   */
  public static final long TIMEOUT_SECONDS = Long.getLong("sparkcnn.read.timeout.seconds", 120);

  // Reads run here so the caller can stop waiting; a read blocked in the kernel cannot be
  // interrupted, so the threads are daemons and a stuck one never keeps the JVM alive.
  private static final ExecutorService READERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "spark-cnn-file-read");
            t.setDaemon(true);
            return t;
          });

  private RegularFiles() {}

  /**
   * The whole content of {@code p} (links followed), which must be a regular file of at most {@code
   * maxBytes}; reads exactly the length it declares.
   */
  public static byte[] read(Path p, long maxBytes) throws IOException {
    BasicFileAttributes a = requireRegular(p);
    if (a.size() > maxBytes) {
      throw new InvalidModelFileException(
          p.toString(),
          "file too large",
          a.size() + " bytes",
          "at most " + maxBytes + " bytes",
          null);
    }
    return within(
        p.toString(),
        () -> {
          try (InputStream in = Files.newInputStream(p)) {
            byte[] data = in.readNBytes((int) a.size());
            if (data.length < a.size()) {
              throw new IOException(
                  p
                      + ": "
                      + ErrorText.of(
                          "file became shorter while it was read",
                          data.length + " bytes",
                          a.size() + " bytes, its length when opened",
                          "another process is writing it"));
            }
            return data;
          }
        });
  }

  /** The attributes of {@code p} (links followed) when it is a regular file, else the error. */
  public static BasicFileAttributes requireRegular(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
    if (!a.isRegularFile()) {
      throw new InvalidModelFileException(
          p.toString(),
          "not a regular file",
          a.isDirectory() ? "a folder" : "a device, FIFO or socket",
          "a regular file",
          "devices and FIFOs are never read: they can hang or never end");
    }
    return a;
  }

  /** Runs a read of {@code source}, failing when it takes longer than {@link #TIMEOUT_SECONDS}. */
  public static <T> T within(String source, Callable<T> read) throws IOException {
    return within(source, TIMEOUT_SECONDS, read);
  }

  /** Runs a read of {@code source}, failing when it takes longer than {@code seconds}. */
  public static <T> T within(String source, long seconds, Callable<T> read) throws IOException {
    Future<T> f = READERS.submit(read);
    try {
      return f.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new IOException(
          source
              + ": "
              + ErrorText.of(
                  "read timed out",
                  "no end after " + seconds + " s",
                  "a file that can be read",
                  "a stalled mount, or a FIFO or device; set sparkcnn.read.timeout.seconds to wait"
                      + " longer"),
          e);
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(source + ": interrupted while reading");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      Rethrow.ifUnchecked(c);
      throw new IOException(source + ": " + c, c);
    }
  }
}
