package org.sparkcnn.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.sparkcnn.core.io.RegularFiles;

/** {@link FileTree} over the local file system ({@code java.nio}). */
public final class LocalFileTree implements FileTree {
  public static final LocalFileTree INSTANCE = new LocalFileTree();

  private LocalFileTree() {}

  @Override
  public Entry root(String path) {
    Path p = Path.of(path);
    Entry e = entry(p, path);
    if (e.kind() == Kind.DIRECTORY_LINK) {
      return new Entry(path, e.name(), Kind.DIRECTORY, 0, null);
    }
    return e;
  }

  @Override
  public List<Entry> list(String dir) {
    List<Entry> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of(dir))) {
      for (Path p : s) {
        out.add(entry(p, p.toString()));
      }
    } catch (IOException e) {
      throw FileTree.cannotList(dir, e);
    }
    return out;
  }

  @Override
  public String child(String dir, String name) {
    return Path.of(dir).resolve(name).toString();
  }

  @Override
  public byte[] read(Entry file, long maxBytes) {
    return readRegular(Path.of(file.path()), file.path(), maxBytes);
  }

  /**
   * The whole content of a regular file (or a link to one), refusing devices, FIFOs and files above
   * {@code maxBytes} before opening them, and reading no more than the length the file declares.
   */
  public static byte[] readRegular(Path p, String source, long maxBytes) {
    BasicFileAttributes a = regularFile(p, source);
    if (a.size() > maxBytes) {
      throw Sizes.tooLarge(source, "File", a.size(), maxBytes);
    }
    try {
      return RegularFiles.within(
          source,
          () -> {
            try (InputStream in = Files.newInputStream(p)) {
              byte[] data = in.readNBytes((int) a.size());
              if (data.length < a.size()) {
                throw DatasetException.in(source)
                    .problem("File became shorter while it was read")
                    .received(data.length + " bytes")
                    .expected(a.size() + " bytes, the length it had when opened")
                    .hint("another process is writing the file; read it once it is complete.")
                    .build();
              }
              return data;
            }
          });
    } catch (IOException e) {
      throw cannotRead(source, e);
    }
  }

  /** The attributes of a regular file (links followed), or the error for anything else. */
  public static BasicFileAttributes regularFile(Path p, String source) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class);
    } catch (IOException e) {
      throw cannotRead(source, e);
    }
    if (!a.isRegularFile()) {
      throw notRegular(source, a.isDirectory() ? "a folder" : "a device, FIFO or socket");
    }
    return a;
  }

  static DatasetException notRegular(String source, String received) {
    return DatasetException.in(source)
        .problem("Not a regular file")
        .received(received)
        .expected("a regular file")
        .hint("devices, FIFOs and sockets are never read: they can hang or never end.")
        .build();
  }

  static DatasetException cannotRead(String source, IOException e) {
    return DatasetException.in(source)
        .problem("Cannot read file")
        .received(e instanceof NoSuchFileException ? "nothing at that path" : e.toString())
        .expected("a readable file")
        .cause(e)
        .build();
  }

  private static Entry entry(Path p, String path) {
    Path fileName = p.getFileName();
    String name = fileName == null ? path : fileName.toString();
    try {
      BasicFileAttributes own =
          Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      BasicFileAttributes a = own;
      if (own.isSymbolicLink()) {
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException e) {
          return new Entry(
              path, name, Kind.UNREADABLE, 0, "a symbolic link that cannot be followed: " + e);
        }
        if (a.isDirectory()) {
          return new Entry(path, name, Kind.DIRECTORY_LINK, 0, null);
        }
      }
      if (a.isDirectory()) {
        return new Entry(path, name, Kind.DIRECTORY, 0, null);
      }
      if (a.isRegularFile()) {
        return new Entry(path, name, Kind.FILE, a.size(), null);
      }
      return new Entry(path, name, Kind.OTHER, 0, null);
    } catch (NoSuchFileException e) {
      return new Entry(path, name, Kind.UNREADABLE, 0, "nothing at that path");
    } catch (IOException e) {
      return new Entry(path, name, Kind.UNREADABLE, 0, e.toString());
    }
  }
}
