package org.sparkcnn.spark.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Turns a failed write into one line a user can act on: what could not be written where, why in
 * plain words (disk full, quota, permission denied), and what to do. The original exception stays
 * the cause, for the log.
 */
public final class StorageErrors {
  private StorageErrors() {}

  /** Why a write failed, in a few words, and the remedy; null when the cause is not recognised. */
  static String[] diagnose(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String name = c.getClass().getName();
      String m = String.valueOf(c.getMessage());
      if (m.contains("No space left on device")
          || name.endsWith("DiskOutOfSpaceException")
          || m.contains("ENOSPC")) {
        return new String[] {
          "the disk is full (No space left on device)",
          "free space there or point output at a file system with room"
        };
      }
      if (name.endsWith("QuotaExceededException")) {
        return new String[] {
          "the directory's quota is exhausted (" + c.getClass().getSimpleName() + ")",
          "free space within the quota, raise it, or point output elsewhere"
        };
      }
      if (c instanceof AccessDeniedException
          || name.endsWith("AccessControlException")
          || m.contains("Permission denied")
          || m.contains("EACCES")) {
        return new String[] {
          "permission denied",
          "give this user write access to it (or run as its owner) or point output elsewhere"
        };
      }
    }
    return null;
  }

  /**
   * An IOException whose message is one line: "cannot {@code action} to {@code path}: why; hint:
   * remedy; the previous output and checkpoints are intact", with {@code e} as its cause.
   */
  public static IOException wrap(IOException e, String path, String action) {
    String[] d = diagnose(e);
    String why = d == null ? firstLine(e) : d[0];
    String hint = d == null ? "check that the location is writable and has room" : d[1];
    return new IOException(
        ErrorText.problem(why)
            .in("cannot " + action + " to " + path)
            .hint(hint + "; the previous output and checkpoints are intact")
            .text(),
        e);
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
  }
}
