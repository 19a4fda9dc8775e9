package org.sparkcnn.datasets;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * The few file-system operations an image-folder walk needs, so that one walk ({@link
 * ImageFolderListing}) serves the local reader and the Spark job alike: {@link LocalFileTree} over
 * {@code java.nio}, and a Hadoop implementation in the Spark job. Paths are strings in the tree's
 * own form (a local path, or a Hadoop URI); {@link #child} builds them.
 *
 * <p>Symbolic links: a link to a file is read as that file; a link to a directory is reported as
 * {@link Kind#DIRECTORY_LINK} and never entered, so a walk cannot leave the tree or loop back into
 * it, and sees each file once.
 */
public interface FileTree {
  /** What a path is. */
  enum Kind {
    /** A regular file, or a link to one. */
    FILE,
    /** A directory (not a link). */
    DIRECTORY,
    /** A symbolic link to a directory: not followed. */
    DIRECTORY_LINK,
    /** Something that is not a regular file: a device, a FIFO, a socket. */
    OTHER,
    /** An entry that cannot be examined: a broken or looping link, no permission. */
    UNREADABLE
  }

  /**
   * One entry of a directory.
   *
   * @param path the full path, usable with the tree that listed it
   * @param name the last path component
   * @param length the length in bytes of a {@link Kind#FILE}, else 0
   * @param problem why a {@link Kind#UNREADABLE} entry cannot be examined, else null
   */
  record Entry(String path, String name, Kind kind, long length, String problem)
      implements Serializable {}

  /** The entry at {@code path} (a final link to a directory is followed: the root may be one). */
  Entry root(String path);

  /** Every entry of directory {@code dir}, in no particular order. */
  List<Entry> list(String dir);

  /** The path of {@code name} inside {@code dir}. */
  String child(String dir, String name);

  /**
   * The whole content of a {@link Kind#FILE}: checked again to be a regular file when opened, never
   * more than the length it declares, refused above {@code maxBytes} before reading.
   */
  byte[] read(Entry file, long maxBytes);

  /** The error for a directory that cannot be listed, the same from every tree. */
  static DatasetException cannotList(String dir, IOException e) {
    return DatasetException.in(dir)
        .problem("Cannot list folder")
        .received(e.toString())
        .expected("a readable folder")
        .cause(e)
        .build();
  }
}
