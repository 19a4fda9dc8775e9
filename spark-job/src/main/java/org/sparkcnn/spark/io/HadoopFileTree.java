package org.sparkcnn.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.FileTree;
import org.sparkcnn.datasets.LocalFileTree;

/**
 * {@link FileTree} over any Hadoop file system, so the image-folder walk of {@code datasets} runs
 * unchanged on the driver and in tasks. Paths are Hadoop paths (with or without a scheme).
 *
 * <p>Local paths ({@code file:}, or no scheme on a local default file system) are examined with
 * {@code java.nio} ({@link LocalFileTree}) instead: Hadoop's local file system follows links to
 * directories (a link loop was walked 40 levels deep), silently leaves out entries it cannot
 * examine (a link to itself), and reports FIFOs and devices as empty files (reading a FIFO hangs,
 * reading /dev/zero never ends). Path strings stay Hadoop's, so tasks read what the driver listed.
 */
public final class HadoopFileTree implements FileTree {
  private final Configuration conf;

  public HadoopFileTree(Configuration conf) {
    this.conf = conf;
  }

  @Override
  public Entry root(String path) {
    java.nio.file.Path local = local(path);
    if (local != null) {
      return rename(LocalFileTree.INSTANCE.root(local.toString()), path);
    }
    Path p = new Path(path);
    try {
      return entry(fs(p).getFileStatus(p), path);
    } catch (FileNotFoundException e) {
      return new Entry(path, p.getName(), Kind.UNREADABLE, 0, "nothing at that path");
    } catch (IOException e) {
      return new Entry(path, p.getName(), Kind.UNREADABLE, 0, e.toString());
    }
  }

  @Override
  public List<Entry> list(String dir) {
    List<Entry> out = new ArrayList<>();
    java.nio.file.Path local = local(dir);
    if (local != null) {
      for (Entry e : LocalFileTree.INSTANCE.list(local.toString())) {
        out.add(rename(e, child(dir, e.name())));
      }
      return out;
    }
    Path p = new Path(dir);
    try {
      for (FileStatus s : fs(p).listStatus(p)) {
        out.add(entry(s, child(dir, s.getPath().getName())));
      }
    } catch (IOException e) {
      throw FileTree.cannotList(dir, e);
    }
    return out;
  }

  @Override
  public String child(String dir, String name) {
    return new Path(new Path(dir), name).toString();
  }

  @Override
  public byte[] read(Entry file, long maxBytes) {
    java.nio.file.Path local = local(file.path());
    if (local != null) {
      return LocalFileTree.readRegular(local, file.path(), maxBytes);
    }
    try {
      return HadoopFiles.read(new Path(file.path()), conf, maxBytes);
    } catch (IOException e) {
      throw DatasetException.in(file.path())
          .problem("Cannot read file")
          .received(e instanceof FileNotFoundException ? "nothing at that path" : e.toString())
          .expected("a readable file")
          .cause(e)
          .build();
    }
  }

  /** The local path of {@code path} when it is on the local file system, else null. */
  private java.nio.file.Path local(String path) {
    try {
      return HadoopFiles.localPath(new Path(path), conf);
    } catch (IOException e) {
      throw DatasetException.in(path)
          .problem("Cannot resolve the file system")
          .received(e.toString())
          .cause(e)
          .build();
    }
  }

  private FileSystem fs(Path p) throws IOException {
    return HadoopFiles.fs(p, conf);
  }

  private static Entry entry(FileStatus s, String path) {
    String name = s.getPath().getName();
    if (s.isSymlink()) {
      return new Entry(path, name, Kind.UNREADABLE, 0, "a symbolic link (not followed here)");
    }
    return s.isDirectory()
        ? new Entry(path, name, Kind.DIRECTORY, 0, null)
        : new Entry(path, name, Kind.FILE, s.getLen(), null);
  }

  private static Entry rename(Entry e, String path) {
    return new Entry(path, e.name(), e.kind(), e.length(), e.problem());
  }
}
