package org.sparkcnn.spark.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

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

  /** The whole file, refusing files above {@code maxBytes} before reading them. */
  public static byte[] read(Path p, Configuration conf, long maxBytes) throws IOException {
    FileSystem fs = fs(p, conf);
    long length = fs.getFileStatus(p).getLen();
    if (length > maxBytes) {
      throw new IOException(
          p + ": file too large; received " + length + " bytes, expected at " + "most " + maxBytes);
    }
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  public static boolean exists(Path p, Configuration conf) throws IOException {
    return fs(p, conf).exists(p);
  }

  /** Replaces {@code dst} with {@code data} atomically. */
  public static void writeAtomically(Path dst, byte[] data, Configuration conf) throws IOException {
    FileSystem fs = fs(dst, conf);
    Path dir = dst.getParent();
    fs.mkdirs(dir);
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
    fs.mkdirs(parent);
    Path tmp = new Path(parent, "." + dst.getName() + ".tmp-" + System.nanoTime());
    Path old = null;
    try {
      fs.mkdirs(tmp);
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
