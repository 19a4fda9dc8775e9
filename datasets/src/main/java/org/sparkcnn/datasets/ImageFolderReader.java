package org.sparkcnn.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads an image folder laid out as {@code root/<class name>/<file>} into an {@link ImageDataset}
 * of shape {@code (N, H, W, C)}.
 *
 * <p>Order, deterministic: class folders sorted by name ({@link String#compareTo}, i.e. by UTF-16
 * code unit, which for ordinary names is Python's {@code sorted()} order too) give the label
 * indices 0, 1, ...; within a class, files sorted by name. The class names are kept in the dataset
 * so they travel with the model.
 *
 * <p>Layout rules:
 *
 * <ul>
 *   <li>Names starting with "." (.DS_Store, .ipynb_checkpoints, partial downloads) are ignored at
 *       every level.
 *   <li>Every file in a class folder is tried as an image, whatever its extension: the content
 *       decides (PNG, JPEG, BMP, GIF; see {@link ImageDecoder}).
 *   <li>A file directly under {@code root}, or a folder inside a class folder, is a bad entry: an
 *       error under {@link BadFilePolicy#FAIL}, listed as skipped under {@link BadFilePolicy#SKIP}.
 *       It is never silently ignored, because it usually means images sit one level too high or too
 *       deep and the classes are not what they seem.
 *   <li>No class folder at all, or a class folder with no images (none to begin with, or all
 *       skipped), is an error under either policy: it would change the label indices or train a
 *       class with no examples.
 * </ul>
 *
 * <p>Size: with {@link ImageFolderOptions.Builder#size} set, images must have that size unless
 * resize is on; unset, all images must share the size of the first one.
 */
public final class ImageFolderReader {
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private ImageFolderReader() {}

  /** Reads every class folder under {@code root}; see the class comment for the rules. */
  public static ImageFolderResult read(Path root, ImageFolderOptions options) {
    List<SkippedFile> skipped = new ArrayList<>();
    boolean skip = options.badFilePolicy() == BadFilePolicy.SKIP;
    List<Path> classDirs = classFolders(root, skip, skipped);
    List<String> classNames = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    List<Integer> fileLabels = new ArrayList<>();
    for (Path dir : classDirs) {
      int label = classNames.size();
      classNames.add(dir.getFileName().toString());
      List<Path> images = imageFiles(root, dir, skip, skipped);
      files.addAll(images);
      images.forEach(f -> fileLabels.add(label));
    }

    ImageDecoder decoder = fixedDecoder(options);
    byte[] pixels = null;
    int[] labels = new int[files.size()];
    int n = 0;
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      byte[] first = null;
      ImageDecoder d = decoder;
      try {
        byte[] encoded = ImageDecoder.readFile(file);
        if (d == null) {
          int[] hw = ImageDecoder.dimensionsOf(encoded, file.toString());
          d = ImageDecoder.matching(hw[0], hw[1], options.channels(), file.toString());
        }
        // The buffer is sized only once an image has decoded, so that under SKIP a bad first
        // file neither sets the size the others must match nor costs an allocation.
        if (pixels == null) {
          first = d.decode(encoded, file.toString());
        } else {
          d.decodeInto(encoded, file.toString(), pixels, n * d.imageSize());
        }
      } catch (DatasetException e) {
        if (!skip) {
          throw e;
        }
        skipped.add(new SkippedFile(file, e.getMessage()));
        continue;
      }
      if (first != null) {
        decoder = d;
        pixels = new byte[checkedTotal(root, files.size() - i, d)];
        System.arraycopy(first, 0, pixels, 0, first.length);
      }
      labels[n++] = fileLabels.get(i);
    }
    checkEveryClassHasImages(root, classNames, Arrays.copyOf(labels, n), skipped);
    ImageDataset dataset =
        ImageDataset.of(
            root.toString(),
            Arrays.copyOf(pixels, n * decoder.imageSize()),
            Arrays.copyOf(labels, n),
            decoder.height(),
            decoder.width(),
            decoder.channels(),
            classNames);
    return new ImageFolderResult(dataset, skipped);
  }

  private static ImageDecoder fixedDecoder(ImageFolderOptions o) {
    if (o.height() == 0) {
      return null;
    }
    return o.resize()
        ? ImageDecoder.resizing(o.height(), o.width(), o.channels())
        : ImageDecoder.exact(o.height(), o.width(), o.channels());
  }

  private static List<Path> classFolders(Path root, boolean skip, List<SkippedFile> skipped) {
    if (!Files.isDirectory(root)) {
      throw DatasetException.in(root.toString())
          .problem("Image folder does not exist")
          .received(Files.exists(root) ? "a file" : "nothing at that path")
          .expected("a folder laid out as <root>/<class name>/<image file>")
          .build();
    }
    List<Path> dirs = new ArrayList<>();
    for (Path entry : visibleEntries(root)) {
      if (Files.isDirectory(entry)) {
        dirs.add(entry);
      } else {
        badEntry(
            entry,
            skip,
            skipped,
            "File at the top level of an image folder",
            "a folder per class: <root>/<class name>/<image file>",
            "images directly under the root have no class; move them into a class folder.");
      }
    }
    if (dirs.isEmpty()) {
      throw DatasetException.in(root.toString())
          .problem("Image folder has no class folders")
          .received(skipped.isEmpty() ? "an empty folder" : "only files (" + skipped.size() + ")")
          .expected("at least one folder <root>/<class name>/ holding images")
          .hint("check the path; hidden entries (names starting with '.') are ignored.")
          .build();
    }
    return dirs;
  }

  private static List<Path> imageFiles(
      Path root, Path classDir, boolean skip, List<SkippedFile> skipped) {
    List<Path> files = new ArrayList<>();
    for (Path entry : visibleEntries(classDir)) {
      if (Files.isDirectory(entry)) {
        badEntry(
            entry,
            skip,
            skipped,
            "Folder inside a class folder",
            "image files only, one level below the class folder",
            "nested folders are not read; move their images up or make them classes.");
      } else {
        files.add(entry);
      }
    }
    if (files.isEmpty()) {
      throw DatasetException.in(root.toString())
          .at("class '" + classDir.getFileName() + "'")
          .problem("Class folder is empty")
          .received("no files")
          .expected("at least one image")
          .hint("remove the folder, or add its images; an empty class still takes a label index.")
          .build();
    }
    return files;
  }

  private static void badEntry(
      Path entry,
      boolean skip,
      List<SkippedFile> skipped,
      String problem,
      String expected,
      String hint) {
    DatasetException e =
        DatasetException.in(entry.toString())
            .problem(problem)
            .received(Files.isDirectory(entry) ? "a folder" : "a file")
            .expected(expected)
            .hint(hint)
            .build();
    if (!skip) {
      throw e;
    }
    skipped.add(new SkippedFile(entry, e.getMessage()));
  }

  private static List<Path> visibleEntries(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw DatasetException.in(dir.toString())
          .problem("Cannot list folder")
          .received(e.toString())
          .expected("a readable folder")
          .cause(e)
          .build();
    }
  }

  private static int checkedTotal(Path root, int images, ImageDecoder decoder) {
    long total = (long) images * decoder.imageSize();
    if (total > MAX_ARRAY) {
      throw DatasetException.in(root.toString())
          .problem("Image folder is too large for one in-memory dataset")
          .received(images + " images x " + decoder.imageSize() + " bytes = " + total + " bytes")
          .expected("at most " + MAX_ARRAY + " bytes")
          .hint("split the folder, or read it as partitions in the Spark job.")
          .build();
    }
    return (int) total;
  }

  private static void checkEveryClassHasImages(
      Path root, List<String> classNames, int[] labels, List<SkippedFile> skipped) {
    int[] counts = Labels.histogram(labels, classNames.size());
    for (int k = 0; k < counts.length; k++) {
      if (counts[k] == 0) {
        throw DatasetException.in(root.toString())
            .at("class '" + classNames.get(k) + "' (label " + k + ")")
            .problem("Class has no readable images")
            .received(
                "0 images; "
                    + skipped.size()
                    + " files skipped in total, e.g. "
                    + firstSkippedIn(root.resolve(classNames.get(k)), skipped))
            .expected("at least one image per class")
            .hint("every file of this class was bad; see the reasons in the skipped list.")
            .build();
      }
    }
  }

  private static String firstSkippedIn(Path classDir, List<SkippedFile> skipped) {
    return skipped.stream()
        .filter(s -> s.file().startsWith(classDir))
        .findFirst()
        .map(SkippedFile::reason)
        .orElse("none");
  }
}
