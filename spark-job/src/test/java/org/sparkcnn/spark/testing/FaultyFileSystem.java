package org.sparkcnn.spark.testing;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local file system under the scheme {@code faultfs://}, with two faults a test switches on by
 * path. A full disk ({@link #diskFullWhen}): new files fail with {@code IOException: No space left
 * on device}, the message the JDK gives for ENOSPC. A read-only folder ({@link #readOnlyWhen}, for
 * the paths inside it): new files fail with {@code FileNotFoundException: PATH (Permission denied)}
 * and {@code mkdirs}, {@code rename} and {@code delete} return false, as Hadoop's local file system
 * answers when the JDK is refused. Stand-ins for a real full disk and a real chmod: CI cannot count
 * on mounting a tiny tmpfs, and runs as root, whom no permission stops. Register with {@link
 * #register}.
 */
public final class FaultyFileSystem extends RawLocalFileSystem {
  /** Which new files fail as on a full disk; none by default. */
  public static volatile Predicate<Path> diskFullWhen = p -> false;

  /** Which paths lie in a folder this user may not write; none by default. */
  public static volatile Predicate<Path> readOnlyWhen = p -> false;

  /** Makes {@code faultfs:///path} reach this file system (FileSystem and FileContext APIs). */
  public static void register(Configuration conf) {
    conf.set("fs.faultfs.impl", FaultyFileSystem.class.getName());
    conf.set("fs.faultfs.impl.disable.cache", "true");
    conf.set("fs.AbstractFileSystem.faultfs.impl", Context.class.getName());
  }

  /** Both faults off. */
  public static void heal() {
    diskFullWhen = p -> false;
    readOnlyWhen = p -> false;
  }

  @Override
  public URI getUri() {
    return URI.create("faultfs:///");
  }

  @Override
  public String getScheme() {
    return "faultfs";
  }

  @Override
  protected void checkPath(Path path) {
    String scheme = path.toUri().getScheme();
    if (scheme != null && !scheme.equals("faultfs")) {
      throw new IllegalArgumentException("Wrong FS: " + path + ", expected: faultfs:///");
    }
  }

  private static boolean readOnly(Path f) {
    return readOnlyWhen.test(f);
  }

  private static void maybeFail(Path f) throws IOException {
    if (readOnly(f)) {
      // What FileOutputStream throws for EACCES, and RawLocalFileSystem passes on.
      throw new FileNotFoundException(
          Path.getPathWithoutSchemeAndAuthority(f) + " (Permission denied)");
    }
    if (diskFullWhen.test(f)) {
      throw new IOException("No space left on device");
    }
  }

  @Override
  public boolean mkdirs(Path f) throws IOException {
    return readOnly(f) && !exists(f) ? false : super.mkdirs(f);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    return readOnly(f) && !exists(f) ? false : super.mkdirs(f, permission);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    return readOnly(src) || readOnly(dst) ? false : super.rename(src, dst);
  }

  @Override
  public boolean delete(Path p, boolean recursive) throws IOException {
    return readOnly(p) ? false : super.delete(p, recursive);
  }

  /**
   * Where every new file of RawLocalFileSystem is opened (create with or without a permission,
   * createNonRecursive, append), after it has checked overwrite and made the parent folder.
   */
  @Override
  protected OutputStream createOutputStreamWithMode(Path f, boolean append, FsPermission permission)
      throws IOException {
    maybeFail(f);
    return super.createOutputStreamWithMode(f, append, permission);
  }

  /** The FileContext face of the same file system (HadoopFiles renames through FileContext). */
  public static final class Context extends DelegateToFileSystem {
    public Context(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new FaultyFileSystem(), conf, "faultfs", false);
    }
  }
}
