package org.sparkcnn.datasets;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.sparkcnn.datasets.FileTree.Entry;
import org.sparkcnn.datasets.FileTree.Kind;

/**
 * The one walk over an image folder, on any {@link FileTree}: the local reader ({@link
 * ImageFolderReader}), the Spark training source and the scoring job all list files here, so they
 * see the same files, in the same order, with the same labels and the same errors.
 *
 * <p>Rules, the same everywhere:
 *
 * <ul>
 *   <li>Names starting with "." (.DS_Store, .ipynb_checkpoints, partial downloads) or "_" (Spark's
 *       _SUCCESS, _temporary) are ignored at every level.
 *   <li>Entries are sorted by name ({@link String#compareTo}, i.e. by UTF-16 code unit, which for
 *       ordinary names is Python's {@code sorted()} order too), directories walked depth-first.
 *   <li>Links to directories are never followed (a walk cannot leave the tree or loop back into it,
 *       and meets each file once); they, devices, FIFOs and entries that cannot be examined are bad
 *       entries, reported, never silently dropped.
 * </ul>
 *
 * <p>Classes ({@link #classFolders}): the visible folders directly under the root, sorted by name;
 * the i-th is class i. That is the whole of class discovery; what a label means (an index, a binary
 * target, ...) is up to the caller.
 */
public final class ImageFolderListing {
  private ImageFolderListing() {}

  /**
   * A training folder's files.
   *
   * @param classFolders the class folders, in label order
   * @param files the image files, class by class, by name within a class
   * @param classes the class index of each file
   * @param skipped bad entries left out (empty under {@link BadFilePolicy#FAIL})
   */
  public record Classified(
      String root,
      List<Entry> classFolders,
      List<Entry> files,
      int[] classes,
      List<SkippedFile> skipped) {
    /** The class folders' names, in label order. */
    public List<String> classNames() {
      return classFolders.stream().map(Entry::name).toList();
    }
  }

  /**
   * One entry of a scoring walk.
   *
   * @param classIndex the file's class folder index when the folder has the training layout, else
   *     -1
   * @param problem why the entry cannot be an image (a link to a folder, a FIFO, ...), else null
   */
  public record Found(Entry entry, int classIndex, String problem) implements Serializable {}

  /**
   * What a scoring walk found.
   *
   * @param classNames the class folders' names when the folder has the training layout, else null
   */
  public record Walk(List<String> classNames, List<Found> found) {}

  /** Whether a name takes part in a walk: not hidden (".") and not Spark's bookkeeping ("_"). */
  public static boolean visible(String name) {
    return !name.startsWith(".") && !name.startsWith("_");
  }

  /** The visible entries of {@code dir}, sorted by name. */
  public static List<Entry> entries(FileTree tree, String dir) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : tree.list(dir)) {
      if (visible(e.name())) {
        out.add(e);
      }
    }
    out.sort(Comparator.comparing(Entry::name));
    return out;
  }

  /** The class folders among the root's sorted visible entries: the i-th is class i. */
  public static List<Entry> classFolders(List<Entry> top) {
    return top.stream().filter(e -> e.kind() == Kind.DIRECTORY).toList();
  }

  /**
   * The files of a training folder laid out as {@code root/<class name>/<file>}. A file directly
   * under the root, a folder inside a class folder, a link to a folder or anything that is not a
   * regular file is a bad entry: an error under {@link BadFilePolicy#FAIL}, listed as skipped under
   * {@link BadFilePolicy#SKIP}. No class folder, or a class folder with no files, is an error under
   * either policy (it would change the label indices or train a class with no examples).
   */
  public static Classified classified(FileTree tree, String root, BadFilePolicy policy) {
    requireFolder(tree, root, "a folder laid out as <root>/<class name>/<image file>");
    boolean skip = policy == BadFilePolicy.SKIP;
    List<SkippedFile> skipped = new ArrayList<>();
    List<Entry> top = entries(tree, root);
    for (Entry e : top) {
      if (e.kind() != Kind.DIRECTORY) {
        bad(e, 1, skip, skipped);
      }
    }
    List<Entry> classDirs = classFolders(top);
    if (classDirs.isEmpty()) {
      throw DatasetException.in(root)
          .problem("Image folder has no class folders")
          .received(
              top.isEmpty()
                  ? "an empty folder"
                  : "no folders, only " + top.size() + " other entries")
          .expected("at least one folder <root>/<class name>/ holding images")
          .hint("check the path; names starting with '.' or '_' are ignored.")
          .build();
    }
    List<Entry> files = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    for (int index = 0; index < classDirs.size(); index++) {
      Entry dir = classDirs.get(index);
      int before = files.size();
      for (Entry e : entries(tree, dir.path())) {
        if (e.kind() == Kind.FILE) {
          files.add(e);
          classes.add(index);
        } else {
          bad(e, 2, skip, skipped);
        }
      }
      if (files.size() == before) {
        throw DatasetException.in(root)
            .at("class '" + dir.name() + "'")
            .problem("Class folder is empty")
            .received("no files")
            .expected("at least one image")
            .hint("remove the folder, or add its images; an empty class still takes a label index.")
            .build();
      }
    }
    return new Classified(
        root, classDirs, files, classes.stream().mapToInt(Integer::intValue).toArray(), skipped);
  }

  /**
   * Every visible entry under {@code root}, recursively, for scoring: files, and the bad entries
   * with their problem (each becomes a row with an error). Files carry their class index when the
   * folder has the training layout (only folders at the top, only files and bad entries inside
   * them).
   */
  public static Walk everything(FileTree tree, String root) {
    requireFolder(
        tree, root, "a folder of images (any layout) or <root>/<class name>/<image file>");
    List<Entry> top = entries(tree, root);
    List<List<Entry>> inside = new ArrayList<>();
    boolean trainingLayout = !top.isEmpty();
    for (Entry e : top) {
      List<Entry> children = e.kind() == Kind.DIRECTORY ? entries(tree, e.path()) : List.of();
      inside.add(children);
      trainingLayout &=
          e.kind() == Kind.DIRECTORY
              && children.stream().noneMatch(c -> c.kind() == Kind.DIRECTORY);
    }
    List<Found> out = new ArrayList<>();
    for (int i = 0; i < top.size(); i++) {
      Entry e = top.get(i);
      if (e.kind() == Kind.DIRECTORY) {
        walk(tree, inside.get(i), trainingLayout ? i : -1, out);
      } else {
        out.add(found(e, -1));
      }
    }
    if (out.isEmpty()) {
      throw DatasetException.in(root)
          .problem("Image folder has no files")
          .received(top.isEmpty() ? "an empty folder" : "only empty folders")
          .expected("at least one image file")
          .hint("check the path; names starting with '.' or '_' are ignored.")
          .build();
    }
    return new Walk(trainingLayout ? top.stream().map(Entry::name).toList() : null, out);
  }

  private static void walk(FileTree tree, List<Entry> entries, int classIndex, List<Found> out) {
    for (Entry e : entries) {
      if (e.kind() == Kind.DIRECTORY) {
        walk(tree, entries(tree, e.path()), classIndex, out);
      } else {
        out.add(found(e, classIndex));
      }
    }
  }

  private static Found found(Entry e, int classIndex) {
    return new Found(e, classIndex, e.kind() == Kind.FILE ? null : badEntry(e, 0).getMessage());
  }

  private static void requireFolder(FileTree tree, String root, String expected) {
    Entry r = tree.root(root);
    if (r.kind() != Kind.DIRECTORY) {
      throw DatasetException.in(root)
          .problem("Image folder does not exist")
          .received(
              r.kind() == Kind.UNREADABLE
                  ? r.problem()
                  : r.kind() == Kind.FILE ? "a file" : "not a folder")
          .expected(expected)
          .build();
    }
  }

  private static void bad(Entry e, int depth, boolean skip, List<SkippedFile> skipped) {
    DatasetException error = badEntry(e, depth);
    if (!skip) {
      throw error;
    }
    skipped.add(new SkippedFile(e.path(), error.getMessage()));
  }

  /**
   * The error for an entry that is not an image file where one is expected; depth 1 = directly
   * under the root of a training folder, 2 = inside a class folder, 0 = anywhere (scoring).
   */
  public static DatasetException badEntry(Entry e, int depth) {
    DatasetException.Builder b = DatasetException.in(e.path());
    return switch (e.kind()) {
      case FILE ->
          b.problem("File at the top level of an image folder")
              .received("a file")
              .expected("a folder per class: <root>/<class name>/<image file>")
              .hint("images directly under the root have no class; move them into a class folder.")
              .build();
      case DIRECTORY ->
          b.problem("Folder inside a class folder")
              .received("a folder")
              .expected("image files only, one level below the class folder")
              .hint("nested folders are not read; move their images up or make them classes.")
              .build();
      case DIRECTORY_LINK ->
          b.problem("Link to a folder is not followed")
              .received("a symbolic link to a folder")
              .expected(depth == 1 ? "a class folder" : "an image file")
              .hint(
                  "links to folders could leave the tree or loop back into it; copy or move the"
                      + " folder instead.")
              .build();
      case OTHER -> LocalFileTree.notRegular(e.path(), "a device, FIFO or socket");
      case UNREADABLE ->
          b.problem("Cannot read file")
              .received(e.problem())
              .expected("a readable file")
              .hint("fix the link or the permissions, or remove the entry.")
              .build();
    };
  }
}
