package org.sparkcnn.spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkcnn.core.io.RegularFiles;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.FileTree;
import org.sparkcnn.datasets.IdxReader;
import org.sparkcnn.datasets.IdxStream;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.io.HadoopFileTree;
import org.sparkcnn.spark.io.HadoopFiles;

/**
 * An MNIST-style IDX pair read through the Hadoop FileSystem API: {@code PREFIX-images-idx3-ubyte}
 * and {@code PREFIX-labels-idx1-ubyte}, each raw or with ".gz" (the content decides). The path is
 * the prefix ({@code data/fashion-mnist/train}) or the images file itself.
 *
 * <p>The format is {@link IdxStream}'s, as in the local reader: this class only moves bytes. The
 * driver reads the labels (one byte each) and the images header, and checks both against the model;
 * each task then reads just its own rows' pixels, so neither the driver nor a task ever holds the
 * whole image file.
 */
public final class IdxSource implements ImageSource {
  static final String IMAGES = "-images-idx3-ubyte";
  static final String LABELS = "-labels-idx1-ubyte";

  private final JavaSparkContext jsc;
  private final String images;
  private final int[] labels;
  private final ModelInput input;
  private final List<String> classNames;

  private IdxSource(
      JavaSparkContext jsc,
      String images,
      int[] labels,
      ModelInput input,
      List<String> classNames) {
    this.jsc = jsc;
    this.images = images;
    this.labels = labels;
    this.input = input;
    this.classNames = classNames;
  }

  /**
   * Finds the pair, reads and checks the labels and the images header.
   *
   * @param classNames names of the label values, or null
   */
  public static IdxSource open(
      JavaSparkContext jsc, String path, ModelInput input, List<String> classNames) {
    Configuration conf = jsc.hadoopConfiguration();
    String imagesFile;
    String labelsFile;
    if (path.contains(IMAGES)) {
      imagesFile = path;
      labelsFile = path.replace(IMAGES, LABELS);
    } else {
      HadoopFileTree tree = new HadoopFileTree(conf);
      imagesFile = find(tree, path, IMAGES);
      labelsFile = find(tree, path, LABELS);
    }
    int[] labels = read(conf, labelsFile, IdxReader::readLabels);
    IdxStream header =
        read(
            conf,
            imagesFile,
            (in, file, length) -> IdxStream.open(in, file, IdxStream.Kind.IMAGES, length));
    header.checkDeclaredLength();
    IdxReader.checkCounts(imagesFile, header.count(), labelsFile, labels.length);
    if (header.rows() != input.height()
        || header.columns() != input.width()
        || input.channels() != 1) {
      throw DatasetException.in(imagesFile)
          .at("header")
          .problem("Image size differs from the model input")
          .received(header.rows() + " x " + header.columns() + " x 1 (H x W x C)")
          .expected(input.shapeText())
          .hint(
              "IDX images are grayscale; the model's input_shape must be ["
                  + header.rows()
                  + ", "
                  + header.columns()
                  + ", 1].")
          .build();
    }
    for (int i = 0; i < labels.length; i++) {
      if (!input.targets().acceptsClassIndex(labels[i])) {
        throw DatasetException.in(labelsFile)
            .at("label " + i)
            .problem("Label out of range for label_mode " + input.targets().mode().kerasName())
            .received(Integer.toString(labels[i]))
            .expected(input.labelRangeText())
            .hint("the model's last layer has fewer units than the data has classes.")
            .build();
      }
    }
    return new IdxSource(jsc, imagesFile, labels, input, classNames);
  }

  @Override
  public String describe() {
    return "IDX " + images + " (" + labels.length + " images)";
  }

  @Override
  public long count() {
    return labels.length;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  /** One partition's rows and their labels; the pixels are read by the task. */
  private record Slice(long start, int[] labels) implements Serializable {}

  @Override
  public JavaRDD<ImageBlock> blocks(long from, long to, int partitions) {
    List<Slice> slices = new ArrayList<>();
    for (long[] r : RowRanges.pairs(from, to, partitions)) {
      slices.add(new Slice(r[0], Arrays.copyOfRange(labels, (int) r[0], (int) r[1])));
    }
    String file = images;
    ModelInput in = input;
    return Blocks.readByTasks(jsc, slices, input, (conf, s) -> readSlice(conf, file, s, in));
  }

  private static ImageBlock readSlice(Configuration conf, String file, Slice s, ModelInput in) {
    int n = s.labels().length;
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = s.start() + i;
    }
    byte[] pixels =
        n == 0
            ? new byte[0]
            : read(
                conf,
                file,
                (stream, name, len) ->
                    IdxStream.open(stream, name, IdxStream.Kind.IMAGES, len)
                        .readItems(s.start(), n));
    return new ImageBlock(in.height(), in.width(), 1, pixels, s.labels(), ids);
  }

  private interface StreamReader<T> {
    T read(InputStream in, String file, long length);
  }

  /** Opens {@code file} through the Hadoop file system and hands it with its length to reader. */
  private static <T> T read(Configuration conf, String file, StreamReader<T> reader) {
    Path p = new Path(file);
    try {
      long length = HadoopFiles.regularLength(p, conf);
      return RegularFiles.within(
          file,
          () -> {
            try (InputStream in = HadoopFiles.fs(p, conf).open(p)) {
              return reader.read(in, file, length);
            }
          });
    } catch (IOException e) {
      throw cannotRead(file, e);
    }
  }

  private static DatasetException cannotRead(String file, IOException e) {
    return DatasetException.in(file)
        .problem("Cannot open IDX file")
        .received(e.toString())
        .expected("a readable file")
        .cause(e)
        .build();
  }

  /**
   * Throws the job's error unless the IDX pair a prefix names ({@code P-images-idx3-ubyte(.gz)} and
   * {@code P-labels-idx1-ubyte(.gz)}) is there: used by the launcher's check before Spark starts.
   */
  public static void requirePair(FileTree tree, String prefix) {
    if (!prefix.contains(IMAGES)) {
      find(tree, prefix, IMAGES);
      find(tree, prefix, LABELS);
    }
  }

  private static String find(FileTree tree, String prefix, String suffix) {
    for (String candidate : List.of(prefix + suffix, prefix + suffix + ".gz")) {
      if (tree.root(candidate).kind() == FileTree.Kind.FILE) {
        return candidate;
      }
    }
    boolean dir = tree.root(prefix).kind() == FileTree.Kind.DIRECTORY;
    throw DatasetException.in(prefix)
        .problem("IDX file is missing")
        .received("neither " + prefix + suffix + " nor " + prefix + suffix + ".gz")
        .expected("a path prefix P naming P" + IMAGES + "(.gz) and P" + LABELS + "(.gz)")
        .hint(
            dir
                ? "this is a directory: add the split, e.g. "
                    + prefix.replaceAll("/$", "")
                    + "/train or /t10k."
                : "run scripts/fetch-fashion-mnist for Fashion-MNIST.")
        .build();
  }
}
