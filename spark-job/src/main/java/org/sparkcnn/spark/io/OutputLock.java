package org.sparkcnn.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;

/**
 * One writer per output directory: {@value #LOCK_FILE} in it, created exclusively (O_EXCL on the
 * local file system, {@code create(overwrite=false)} on HDFS, both atomic), holding the holder's
 * host, process id, run id and a lease that a daemon thread renews every {@code lease / 3}.
 *
 * <p>A lock is stale, and taken over, when its holder's process is gone on this same host, or when
 * its lease expired (a holder on another host that stopped renewing). Taking over renames the stale
 * file away first: of two runs that find the same stale lock only one rename succeeds. A holder
 * renews (read, check, write) only while its lease has a sixth of its length left, so no takeover
 * can fall between its read and its write; past that it counts the lock as lost.
 */
public final class OutputLock implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(OutputLock.class.getName());
  public static final String LOCK_FILE = ".lock";
  static final long DEFAULT_LEASE_MILLIS = 120_000;

  private final Path file;
  private final Configuration conf;
  private final String run;
  private final long leaseMillis;
  private final ScheduledExecutorService renewer;
  private volatile String lost;
  private volatile long leaseUntil;

  private OutputLock(
      Path file, Configuration conf, String run, long leaseMillis, long leaseUntil, long every) {
    this.file = file;
    this.conf = conf;
    this.run = run;
    this.leaseMillis = leaseMillis;
    this.leaseUntil = leaseUntil;
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "spark-cnn output lock " + file);
              t.setDaemon(true);
              return t;
            });
    renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  /** Takes the lock of {@code output} (creating the directory), or says who holds it. */
  public static OutputLock acquire(String output, Configuration conf) throws IOException {
    return acquire(output, conf, DEFAULT_LEASE_MILLIS);
  }

  static OutputLock acquire(String output, Configuration conf, long leaseMillis)
      throws IOException {
    return acquire(output, conf, leaseMillis, Math.max(1, leaseMillis / 3));
  }

  /** With renewals every {@code renewEveryMillis} (tests stall them to let the lease run out). */
  static OutputLock acquire(
      String output, Configuration conf, long leaseMillis, long renewEveryMillis)
      throws IOException {
    Path dir = new Path(output);
    FileSystem fs = HadoopFiles.fs(dir, conf);
    HadoopFiles.mkdirs(fs, dir);
    Path file = new Path(dir, LOCK_FILE);
    String run = UUID.randomUUID().toString();
    for (int attempt = 0; attempt < 2; attempt++) {
      long until = System.currentTimeMillis() + leaseMillis;
      if (createExclusive(fs, file, holder(run, until))) {
        return new OutputLock(file, conf, run, leaseMillis, until, renewEveryMillis);
      }
      Map<String, Object> theirs = read(fs, file);
      if (theirs == null) {
        continue; // released meanwhile
      }
      String staleBecause = staleBecause(theirs);
      if (staleBecause == null) {
        throw new OutputLockedException(output, theirs);
      }
      Path aside = new Path(dir, LOCK_FILE + ".stale-" + run);
      if (fs.rename(file, aside)) {
        LOG.warning(
            "spark-cnn: took over the stale lock of "
                + output
                + " ("
                + staleBecause
                + "): "
                + Json.writeCompact(theirs));
        fs.delete(aside, false);
      }
    }
    Map<String, Object> theirs = read(fs, file);
    throw new OutputLockedException(output, theirs == null ? Map.of() : theirs);
  }

  /** This run's id, as the lock file holds it. */
  public String run() {
    return run;
  }

  /**
   * Throws when the lock was lost while the run held it (its file removed or taken over): the run
   * must not publish then.
   */
  public void checkHeld() throws IOException {
    renew();
    if (lost != null) {
      throw new IOException(
          ErrorText.problem("the lock of the output was lost while this run held it")
              .received(lost)
              .expected(file + " holding run " + run)
              .hint("another run took the output over (its lease expired?); nothing was published")
              .text());
    }
  }

  /** Stops renewing and removes the lock if it is still this run's. */
  @Override
  public void close() {
    renewer.shutdownNow();
    try {
      FileSystem fs = HadoopFiles.fs(file, conf);
      Map<String, Object> now = read(fs, file);
      if (now != null && run.equals(now.get("run"))) {
        fs.delete(file, false);
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "spark-cnn: could not remove the output lock " + file, e);
    }
  }

  private synchronized void renew() {
    if (lost != null) {
      return;
    }
    long renewedAt = System.currentTimeMillis();
    if (renewedAt > leaseUntil - leaseMillis / 6) {
      // Another run may take over a lock whose lease ran out, between our read and our write
      // below; renewing then could overwrite its lock. Only a lease with time to spare is renewed.
      lost =
          "this run's lease ran out at "
              + Instant.ofEpochMilli(leaseUntil)
              + " before it could be renewed (the process was paused or the file system"
              + " unreachable)";
      LOG.severe("spark-cnn: lost the output lock " + file + ": " + lost);
      return;
    }
    try {
      FileSystem fs = HadoopFiles.fs(file, conf);
      Map<String, Object> now = read(fs, file);
      if (now == null || !run.equals(now.get("run"))) {
        lost = now == null ? "no lock file" : "a lock of run " + now.get("run");
        LOG.severe("spark-cnn: lost the output lock " + file + ": " + lost);
        return;
      }
      long until = renewedAt + leaseMillis;
      HadoopFiles.writeAtomically(file, holder(run, until), conf);
      leaseUntil = until;
    } catch (IOException e) {
      // A missed renewal is retried; the lease is three renewals long.
      LOG.log(Level.WARNING, "spark-cnn: could not renew the output lock " + file, e);
    }
  }

  private static byte[] holder(String run, long leaseUntil) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", hostName());
    m.put("pid", ProcessHandle.current().pid());
    m.put("run", run);
    m.put("renewed", Instant.now().toString());
    m.put("lease_until_ms", leaseUntil);
    return (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Why the lock is stale, or null when its holder may still be at work. */
  static String staleBecause(Map<String, Object> lock) {
    Object host = lock.get("host");
    Object pid = lock.get("pid");
    if (hostName().equals(host) && pid instanceof Long p && ProcessHandle.of(p).isEmpty()) {
      return "process " + p + " on this host is gone";
    }
    Object until = lock.get("lease_until_ms");
    if (until instanceof Long u && u < System.currentTimeMillis()) {
      return "its lease expired at " + Instant.ofEpochMilli(u);
    }
    if (!(until instanceof Long)) {
      return "it holds no lease (" + Json.writeCompact(lock) + ")";
    }
    return null;
  }

  /** Creates {@code file} with {@code data} unless it exists; atomic on local and HDFS. */
  private static boolean createExclusive(FileSystem fs, Path file, byte[] data) throws IOException {
    if (fs instanceof RawLocalFileSystem local) {
      // RawLocalFileSystem.create(overwrite=false) checks, then creates: not atomic. O_EXCL is.
      java.nio.file.Path p = local.pathToFile(file).toPath();
      try {
        Files.write(p, data, StandardOpenOption.CREATE_NEW);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (FSDataOutputStream out = fs.create(file, false)) {
      out.write(data);
      out.hsync();
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(file)) {
        return false; // some file systems report the clash as a plain IOException
      }
      throw e;
    }
  }

  /**
   * The lock's contents, or null when there is no lock. A garbled lock reads as an empty map
   * (stale) once it is a few seconds old; a younger one may be in the middle of its creation and
   * reads as held by an unknown run with a short lease.
   */
  private static Map<String, Object> read(FileSystem fs, Path file) throws IOException {
    byte[] bytes;
    long modified;
    try (InputStream in = fs.open(file)) {
      bytes = in.readNBytes(1 << 16);
      modified = fs.getFileStatus(file).getModificationTime();
    } catch (FileNotFoundException e) {
      return null;
    }
    try {
      return JsonFields.asObject(Json.parse(bytes, file.toString()), file.toString());
    } catch (IllegalArgumentException e) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (modified > System.currentTimeMillis() - 10_000) {
        m.put("lease_until_ms", modified + 10_000);
      }
      return m;
    }
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }

  /** Another run holds the output. */
  public static final class OutputLockedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    OutputLockedException(String output, Map<String, Object> holder) {
      super(
          ErrorText.problem("the output " + output + " is being written by another run")
              .received(
                  "a lock held by process "
                      + holder.get("pid")
                      + " on host "
                      + holder.get("host")
                      + " (run "
                      + holder.get("run")
                      + ", lease until "
                      + (holder.get("lease_until_ms") instanceof Long u
                          ? Instant.ofEpochMilli(u).toString()
                          : "?")
                      + ")")
              .expected("one writer per output")
              .hint(
                  "wait for that run, choose another output, or, if that process is gone, delete "
                      + new Path(output, LOCK_FILE))
              .text());
    }
  }
}
