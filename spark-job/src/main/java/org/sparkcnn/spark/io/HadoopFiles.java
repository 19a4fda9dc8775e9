package org.sparkcnn.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.RegularFiles;

/**
 * Whole-file reads and atomic writes on any Hadoop file system (file://, hdfs://, s3a://). A path
 * without a scheme is on the default file system, relative to its working directory (the process's
 * working directory for the local default).
 *
 * <p>Atomic means: a reader sees the old content or the complete new content, never a part. Files:
 * write a temporary sibling, hsync, {@code FileContext.rename(tmp, dst, OVERWRITE)} (HDFS's
 * FileSystem.rename refuses to overwrite). Directories: write a temporary sibling directory, move
 * the old one aside, rename the new one in, delete the old one. On object stores without atomic
 * rename (s3a) the rename is a copy, so the guarantee is only as good as theirs.
 *
 * <p>On the local file system the raw form is used, so no ".crc" side files appear.
 */
public final class HadoopFiles {
  private HadoopFiles() {}

  public static FileSystem fs(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
  }

  /**
   * The whole file, which must be a regular file (no device, FIFO or folder) of at most {@code
   * maxBytes}; reads exactly the length it declares, within {@link RegularFiles#TIMEOUT_SECONDS}.
   */
  public static byte[] read(Path p, Configuration conf, long maxBytes) throws IOException {
    java.nio.file.Path local = localPath(p, conf);
    if (local != null) {
      try {
        return RegularFiles.read(local, maxBytes);
      } catch (NoSuchFileException e) {
        // Hadoop's contract for a missing file, which callers catch.
        throw (IOException) new FileNotFoundException("File " + p + " does not exist").initCause(e);
      }
    }
    FileSystem fs = fs(p, conf);
    long length = regularLength(p, conf);
    if (length > maxBytes) {
      throw new IOException(
          ErrorText.problem("file too large")
              .in(p.toString())
              .received(length + " bytes")
              .expected("at most " + maxBytes)
              .text());
    }
    return RegularFiles.within(
        p.toString(),
        () -> {
          try (InputStream in = fs.open(p)) {
            byte[] data = in.readNBytes((int) length);
            if (data.length < length) {
              throw new IOException(
                  ErrorText.problem("file became shorter while it was read")
                      .in(p.toString())
                      .received(data.length + " bytes")
                      .expected(String.valueOf(length))
                      .text());
            }
            return data;
          }
        });
  }

  /**
   * The length of a regular file, refusing anything else before it is opened. Hadoop's local file
   * system reports FIFOs and devices (and links to them, such as one to /dev/zero) as empty files,
   * whose reads hang or never end, so local paths are checked with {@code java.nio}.
   */
  public static long regularLength(Path p, Configuration conf) throws IOException {
    java.nio.file.Path local = localPath(p, conf);
    if (local != null) {
      return RegularFiles.requireRegular(local).size();
    }
    FileStatus s = fs(p, conf).getFileStatus(p);
    if (!s.isFile()) {
      throw new IOException(
          ErrorText.problem("not a regular file")
              .in(p.toString())
              .received("a folder")
              .expected("a file")
              .text());
    }
    return s.getLen();
  }

  /** The {@code java.nio} path of {@code p} when it is on the local file system, else null. */
  public static java.nio.file.Path localPath(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
      // The path part, not the URI: a subclass of the local file system may have its own scheme.
      return Paths.get(fs.makeQualified(p).toUri().getPath());
    }
    return null;
  }

  public static boolean exists(Path p, Configuration conf) throws IOException {
    return fs(p, conf).exists(p);
  }

  /**
   * True if p is a file; false if it is anything else or absent. Hadoop's own {@code
   * FileSystem.isFile} is deprecated (one call that hides every error but "not found").
   */
  public static boolean isFile(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p).isFile();
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  /** True if p is a directory; false if it is anything else or absent (see {@link #isFile}). */
  public static boolean isDirectory(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p).isDirectory();
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  /**
   * Creates folder {@code dir} and its parents. Hadoop's local file system answers a folder it may
   * not create (a read-only parent) with {@code false}, not an error, and the next write then fails
   * with a misleading "No such file" or "Mkdirs failed": this says why instead.
   *
   * @throws AccessDeniedException when the nearest existing ancestor is a folder (so the create was
   *     refused)
   * @throws ParentNotDirectoryException when a file stands where a folder is needed
   */
  public static void mkdirs(FileSystem fs, Path dir) throws IOException {
    if (fs.mkdirs(dir) || isDirectory(fs, dir)) {
      return;
    }
    for (Path p = dir; p != null; p = p.getParent()) {
      FileStatus s;
      try {
        s = fs.getFileStatus(p);
      } catch (FileNotFoundException e) {
        continue;
      }
      if (!s.isDirectory()) {
        throw new ParentNotDirectoryException(
            "cannot create the folder " + dir + ": " + p + " is a file, not a folder");
      }
      break;
    }
    throw new AccessDeniedException(
        dir.toString(), null, "could not create the folder (Permission denied)");
  }

  /** Replaces {@code dst} with {@code data} atomically. */
  public static void writeAtomically(Path dst, byte[] data, Configuration conf) throws IOException {
    FileSystem fs = fs(dst, conf);
    Path dir = dst.getParent();
    mkdirs(fs, dir);
    Path tmp = new Path(dir, "." + dst.getName() + ".tmp-" + System.nanoTime());
    try {
      write(fs, tmp, data);
      fileContext(dst, conf).rename(tmp, dst, Options.Rename.OVERWRITE);
    } finally {
      fs.delete(tmp, false);
    }
  }

  /**
   * Replaces directory {@code dst} with one holding {@code files} (name → bytes) atomically.
   *
   * @param beforeCommit called with the temporary directory once the files are in it, to add more
   *     (Spark ML metadata) or verify them; may be null
   */
  public static void writeDirectoryAtomically(
      Path dst, Map<String, byte[]> files, Configuration conf, Consumer<Path> beforeCommit)
      throws IOException {
    FileSystem fs = fs(dst, conf);
    Path parent = dst.getParent();
    mkdirs(fs, parent);
    Path tmp = new Path(parent, "." + dst.getName() + ".tmp-" + System.nanoTime());
    Path old = null;
    try {
      mkdirs(fs, tmp);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        write(fs, new Path(tmp, f.getKey()), f.getValue());
      }
      if (beforeCommit != null) {
        beforeCommit.accept(tmp);
      }
      FileContext fc = fileContext(dst, conf);
      if (fs.exists(dst)) {
        old = new Path(parent, "." + dst.getName() + ".old-" + System.nanoTime());
        fc.rename(dst, old);
      }
      try {
        fc.rename(tmp, dst);
      } catch (IOException e) {
        if (old != null) {
          fc.rename(old, dst);
          old = null;
        }
        throw e;
      }
    } finally {
      fs.delete(tmp, true);
      if (old != null) {
        fs.delete(old, true);
      }
    }
  }

  /** Writes a new file (refusing to replace one) and hsyncs it before closing. */
  public static void writeNew(FileSystem fs, Path p, byte[] data) throws IOException {
    try (FSDataOutputStream out = fs.create(p, false)) {
      out.write(data);
      out.hsync();
    }
  }

  private static void write(FileSystem fs, Path p, byte[] data) throws IOException {
    try (FSDataOutputStream out = fs.create(p, true)) {
      out.write(data);
      out.hsync();
    }
  }

  private static FileContext fileContext(Path p, Configuration conf) throws IOException {
    return FileContext.getFileContext(p.getFileSystem(conf).getUri(), conf);
  }
}
