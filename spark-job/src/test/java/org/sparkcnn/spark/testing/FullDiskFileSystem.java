package org.sparkcnn.spark.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code fullfs://}, whose writes fail as a full disk's do
 * ({@code IOException: No space left on device}, the message the JDK gives for ENOSPC) for the
 * paths {@link #failWhen} selects. A stand-in for a real full disk: CI cannot count on mounting a
 * tiny tmpfs. Register with {@link #register}.
 */
public final class FullDiskFileSystem extends RawLocalFileSystem {
  /** Which new files fail; none by default. */
  public static volatile Predicate<Path> failWhen = p -> false;

  /** Makes {@code fullfs:///path} reach this file system (FileSystem and FileContext APIs). */
  public static void register(Configuration conf) {
    conf.set("fs.fullfs.impl", FullDiskFileSystem.class.getName());
    conf.set("fs.fullfs.impl.disable.cache", "true");
    conf.set("fs.AbstractFileSystem.fullfs.impl", Context.class.getName());
  }

  @Override
  public URI getUri() {
    return URI.create("fullfs:///");
  }

  @Override
  public String getScheme() {
    return "fullfs";
  }

  @Override
  protected void checkPath(Path path) {
    String scheme = path.toUri().getScheme();
    if (scheme != null && !scheme.equals("fullfs")) {
      throw new IllegalArgumentException("Wrong FS: " + path + ", expected: fullfs:///");
    }
  }

  private static void maybeFull(Path f) throws IOException {
    if (failWhen.test(f)) {
      throw new IOException("No space left on device");
    }
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    maybeFull(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    maybeFull(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  /** The FileContext face of the same file system (HadoopFiles renames through FileContext). */
  public static final class Context extends DelegateToFileSystem {
    public Context(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new FullDiskFileSystem(), conf, "fullfs", false);
    }
  }
}
