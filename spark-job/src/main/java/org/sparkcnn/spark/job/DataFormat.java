package org.sparkcnn.spark.job;

import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.FileTree;
import org.sparkcnn.datasets.FileTree.Entry;
import org.sparkcnn.datasets.FileTree.Kind;

/**
 * What {@code format: "auto"} reads a data path as, decided over a {@link FileTree}: the job looks
 * through Hadoop's file system, {@link Preflight} through the local one before Spark starts, and
 * both report a path that holds no data with the same error.
 */
final class DataFormat {
  private static final String NOTHING = "nothing at that path";

  private DataFormat() {}

  /** "idx", "parquet", "images" or "table"; see {@link JobConfig#SETTINGS} (format). */
  static String detect(FileTree tree, String path) {
    if (path.contains("-images-idx3-ubyte")
        || isFile(tree, path + "-images-idx3-ubyte")
        || isFile(tree, path + "-images-idx3-ubyte.gz")) {
      return "idx";
    }
    if (path.endsWith(".parquet")) {
      return "parquet";
    }
    Entry root = tree.root(path);
    if (root.kind() == Kind.DIRECTORY) {
      for (Entry e : tree.list(path)) {
        if (e.kind() == Kind.FILE
            && (e.name().endsWith(".parquet") || e.name().equals("_SUCCESS"))) {
          return "parquet";
        }
      }
      return "images";
    }
    boolean nothing = root.kind() == Kind.UNREADABLE && NOTHING.equals(root.problem());
    if (nothing && path.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
      return "table";
    }
    throw DatasetException.in(path)
        .problem("No data at this path")
        .received(nothing ? "nothing" : "a file that is not an IDX images file")
        .expected(
            "an IDX prefix (PATH-images-idx3-ubyte(.gz)), an image folder, Parquet "
                + "files or a table name")
        .hint(
            "paths are relative to the working directory; for Fashion-MNIST run "
                + "scripts/fetch-fashion-mnist and use data/fashion-mnist/train.")
        .build();
  }

  private static boolean isFile(FileTree tree, String path) {
    return tree.root(path).kind() == Kind.FILE;
  }
}
