package org.sparkcnn.spark.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkcnn.datasets.BadFilePolicy;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.FileTree;
import org.sparkcnn.datasets.ImageDecoder;
import org.sparkcnn.datasets.ImageFolderListing;
import org.sparkcnn.datasets.ImageFolderOptions;
import org.sparkcnn.datasets.ImageFolderReader;
import org.sparkcnn.datasets.SkippedFile;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.io.HadoopFileTree;

/**
 * An image folder {@code root/<class name>/<image file>} on any Hadoop file system, read as the
 * local {@link ImageFolderReader} reads it: the driver lists the files with the same walk ({@link
 * ImageFolderListing#classified}, through {@link HadoopFileTree}), so the classes, order, ignored
 * names and bad entries are the same; each task reads and decodes its own files with the same
 * options, at the model's size (resized when {@code resize} is on).
 *
 * <p>Under {@link BadFilePolicy#SKIP}, one Spark job first decodes every file to find the bad ones
 * (so that the row count and row ids are known before training), and the skipped files are listed
 * in {@link #skipped()} with their reasons; a class left without images is still an error.
 */
public final class ImageFolderSource implements ImageSource {
  private final JavaSparkContext jsc;
  private final String root;
  private final List<String> classNames;
  private final FileTree.Entry[] files;
  private final int[] labels;
  private final ModelInput input;
  private final ImageFolderOptions options;
  private final List<SkippedFile> skipped;

  private ImageFolderSource(
      JavaSparkContext jsc,
      ImageFolderListing.Classified listing,
      FileTree.Entry[] files,
      int[] labels,
      ModelInput input,
      ImageFolderOptions options,
      List<SkippedFile> skipped) {
    this.jsc = jsc;
    this.root = listing.root();
    this.classNames = listing.classNames();
    this.files = files;
    this.labels = labels;
    this.input = input;
    this.options = options;
    this.skipped = List.copyOf(skipped);
  }

  /** {@link #open(JavaSparkContext, String, ModelInput, boolean, BadFilePolicy)}, exact, FAIL. */
  public static ImageFolderSource open(JavaSparkContext jsc, String root, ModelInput input) {
    return open(jsc, root, input, false, BadFilePolicy.FAIL);
  }

  /**
   * Lists the folder and checks its classes against the model's outputs; under SKIP also finds the
   * bad files (one Spark job).
   *
   * @param resize resize images of another size to the model's input instead of failing
   */
  public static ImageFolderSource open(
      JavaSparkContext jsc, String root, ModelInput input, boolean resize, BadFilePolicy policy) {
    ImageFolderListing.Classified listing =
        ImageFolderListing.classified(new HadoopFileTree(jsc.hadoopConfiguration()), root, policy);
    List<String> classNames = listing.classNames();
    if (classNames.size() != input.labelClasses()) {
      throw DatasetException.in(root)
          .problem("Image folder classes do not match the model")
          .received(classNames.size() + " class folders " + abbreviate(classNames))
          .expected(input.labelClasses() + " classes: " + input.labelRangeText())
          .hint("change the last layer's units, or the folders.")
          .build();
    }
    ImageFolderOptions options =
        ImageFolderOptions.builder()
            .size(input.height(), input.width())
            .channels(input.channels())
            .resize(resize)
            .badFilePolicy(policy)
            .build();
    FileTree.Entry[] files = listing.files().toArray(new FileTree.Entry[0]);
    int[] labels = listing.classes();
    List<SkippedFile> skipped = new ArrayList<>(listing.skipped());
    if (policy == BadFilePolicy.SKIP) {
      String[] reasons = badFiles(jsc, files, options);
      List<FileTree.Entry> good = new ArrayList<>();
      List<Integer> goodLabels = new ArrayList<>();
      for (int i = 0; i < files.length; i++) {
        if (reasons[i] == null) {
          good.add(files[i]);
          goodLabels.add(labels[i]);
        } else {
          skipped.add(new SkippedFile(files[i].path(), reasons[i]));
        }
      }
      files = good.toArray(new FileTree.Entry[0]);
      labels = goodLabels.stream().mapToInt(Integer::intValue).toArray();
      ImageFolderReader.checkEveryClassHasImages(listing, labels, skipped);
    }
    return new ImageFolderSource(jsc, listing, files, labels, input, options, skipped);
  }

  /** The reason each file cannot be decoded, or null for a good one (one Spark job). */
  private static String[] badFiles(
      JavaSparkContext jsc, FileTree.Entry[] files, ImageFolderOptions options) {
    Broadcast<SerializableConfiguration> conf =
        SerializableConfiguration.broadcast(jsc.sc(), jsc.hadoopConfiguration());
    int partitions = Math.max(1, Math.min(files.length, jsc.defaultParallelism()));
    List<String> reasons =
        jsc.parallelize(Arrays.asList(files), partitions)
            .mapPartitions(
                it -> {
                  FileTree tree = new HadoopFileTree(conf.value().value());
                  ImageDecoder decoder = options.decoder();
                  byte[] scratch = new byte[decoder.shape().imageSize()];
                  List<String> out = new ArrayList<>();
                  while (it.hasNext()) {
                    FileTree.Entry f = it.next();
                    try {
                      ImageFolderReader.decodeInto(tree, f, decoder, scratch, 0);
                      out.add(null);
                    } catch (DatasetException e) {
                      out.add(e.getMessage());
                    }
                  }
                  return out.iterator();
                })
            .collect();
    return reasons.toArray(new String[0]);
  }

  @Override
  public String describe() {
    return "image folder "
        + root
        + " ("
        + files.length
        + " images, "
        + classNames.size()
        + " classes"
        + (skipped.isEmpty() ? "" : ", " + skipped.size() + " files skipped")
        + ")";
  }

  @Override
  public long count() {
    return files.length;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public List<SkippedFile> skipped() {
    return skipped;
  }

  private record Slice(long start, FileTree.Entry[] files, int[] labels) implements Serializable {}

  @Override
  public JavaRDD<ImageBlock> blocks(long from, long to, int partitions) {
    List<Slice> slices = new ArrayList<>();
    for (long[] r : RowRanges.pairs(from, to, partitions)) {
      slices.add(
          new Slice(
              r[0],
              Arrays.copyOfRange(files, (int) r[0], (int) r[1]),
              Arrays.copyOfRange(labels, (int) r[0], (int) r[1])));
    }
    ModelInput in = input;
    ImageFolderOptions o = options;
    return Blocks.readByTasks(jsc, slices, input, (conf, s) -> decode(conf, s, in, o));
  }

  private static ImageBlock decode(
      Configuration conf, Slice s, ModelInput in, ImageFolderOptions options) {
    FileTree tree = new HadoopFileTree(conf);
    ImageDecoder decoder = options.decoder();
    int n = s.files().length;
    byte[] pixels = new byte[n * in.imageSize()];
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      FileTree.Entry f = s.files()[i];
      ImageFolderReader.decodeInto(tree, f, decoder, pixels, i * in.imageSize());
      ids[i] = s.start() + i;
    }
    return new ImageBlock(in.height(), in.width(), in.channels(), pixels, s.labels(), ids);
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 12 ? names.toString() : names.subList(0, 12) + "...";
  }
}
