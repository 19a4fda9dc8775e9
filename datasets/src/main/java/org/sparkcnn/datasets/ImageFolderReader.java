package org.sparkcnn.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads an image folder laid out as {@code root/<class name>/<file>} into an {@link ImageDataset}
 * of shape {@code (N, H, W, C)}.
 *
 * <p>Which files, in which order, with which classes, and which entries are bad: {@link
 * ImageFolderListing#classified} (the same walk the Spark job uses). Class folders sorted by name
 * give the label indices 0, 1, ...; within a class, files sorted by name. The class names are kept
 * in the dataset so they travel with the model.
 *
 * <p>Every file in a class folder is tried as an image, whatever its extension: the content decides
 * (PNG, JPEG, BMP, GIF; see {@link ImageDecoder}). A file that cannot be read or decoded is an
 * error under {@link BadFilePolicy#FAIL}, listed as skipped under {@link BadFilePolicy#SKIP}; a
 * class left with no images is an error under either policy.
 *
 * <p>Size: with {@link ImageFolderOptions.Builder#size} set, images must have that size unless
 * resize is on; unset, all images must share the size of the first one.
 */
public final class ImageFolderReader {
  private ImageFolderReader() {}

  /** Reads every class folder under {@code root}; see the class comment for the rules. */
  public static ImageFolderResult read(Path root, ImageFolderOptions options) {
    return read(LocalFileTree.INSTANCE, root.toString(), options);
  }

  /** {@link #read(Path, ImageFolderOptions)} on any file tree. */
  public static ImageFolderResult read(FileTree tree, String root, ImageFolderOptions options) {
    boolean skip = options.badFilePolicy() == BadFilePolicy.SKIP;
    ImageFolderListing.Classified listing =
        ImageFolderListing.classified(tree, root, options.badFilePolicy());
    List<SkippedFile> skipped = new ArrayList<>(listing.skipped());
    List<FileTree.Entry> files = listing.files();
    ImageDecoder decoder = options.decoder();
    byte[] pixels = null;
    int[] labels = new int[files.size()];
    int n = 0;
    for (int i = 0; i < files.size(); i++) {
      FileTree.Entry file = files.get(i);
      byte[] first = null;
      ImageDecoder d = decoder;
      try {
        byte[] encoded = read(tree, file);
        if (d == null) {
          int[] hw = ImageDecoder.dimensionsOf(encoded, file.path());
          d = ImageDecoder.matching(hw[0], hw[1], options.channels(), file.path());
        }
        // The buffer is sized only once an image has decoded, so that under SKIP a bad first
        // file neither sets the size the others must match nor costs an allocation.
        if (pixels == null) {
          first = d.decode(encoded, file.path());
        } else {
          d.decodeInto(encoded, file.path(), pixels, n * d.shape().imageSize());
        }
      } catch (DatasetException e) {
        if (!skip) {
          throw e;
        }
        skipped.add(new SkippedFile(file.path(), e.getMessage()));
        continue;
      }
      if (first != null) {
        decoder = d;
        pixels = new byte[checkedTotal(root, files.size() - i, d)];
        System.arraycopy(first, 0, pixels, 0, first.length);
      }
      labels[n++] = listing.classes()[i];
    }
    checkEveryClassHasImages(listing, Arrays.copyOf(labels, n), skipped);
    ImageDataset dataset =
        ImageDataset.of(
            root,
            Arrays.copyOf(pixels, n * decoder.shape().imageSize()),
            Arrays.copyOf(labels, n),
            decoder.shape(),
            listing.classNames());
    return new ImageFolderResult(dataset, skipped);
  }

  /** Reads a listed file and decodes it into {@code dest[offset .. offset + imageSize())}. */
  public static void decodeInto(
      FileTree tree, FileTree.Entry file, ImageDecoder decoder, byte[] dest, int offset) {
    decoder.decodeInto(read(tree, file), file.path(), dest, offset);
  }

  /** A listed file's bytes, refused above {@link ImageDecoder#MAX_ENCODED_BYTES}. */
  public static byte[] read(FileTree tree, FileTree.Entry file) {
    return tree.read(file, ImageDecoder.MAX_ENCODED_BYTES);
  }

  private static int checkedTotal(String root, int images, ImageDecoder decoder) {
    long total = (long) images * decoder.shape().imageSize();
    if (total > IdxStream.MAX_ARRAY) {
      throw DatasetException.in(root)
          .problem("Image folder is too large for one in-memory dataset")
          .received(
              images + " images x " + decoder.shape().imageSize() + " bytes = " + total + " bytes")
          .expected("at most " + IdxStream.MAX_ARRAY + " bytes")
          .hint("split the folder, or read it as partitions in the Spark job.")
          .build();
    }
    return (int) total;
  }

  /**
   * Fails when a class has no image left after skipping, naming it and a reason; the Spark source
   * checks its skips with this too.
   */
  public static void checkEveryClassHasImages(
      ImageFolderListing.Classified listing, int[] labels, List<SkippedFile> skipped) {
    List<String> classNames = listing.classNames();
    int[] counts = Labels.histogram(labels, classNames.size());
    for (int k = 0; k < counts.length; k++) {
      if (counts[k] == 0) {
        String classDir = listing.classFolders().get(k).path();
        throw DatasetException.in(listing.root())
            .at("class '" + classNames.get(k) + "' (label " + k + ")")
            .problem("Class has no readable images")
            .received(
                "0 images; "
                    + skipped.size()
                    + " files skipped in total, e.g. "
                    + firstSkippedIn(classDir, skipped))
            .expected("at least one image per class")
            .hint("every file of this class was bad; see the reasons in the skipped list.")
            .build();
      }
    }
  }

  private static String firstSkippedIn(String classDir, List<SkippedFile> skipped) {
    return skipped.stream()
        .filter(s -> s.file().startsWith(classDir + "/"))
        .findFirst()
        .map(SkippedFile::reason)
        .orElse("none");
  }
}
