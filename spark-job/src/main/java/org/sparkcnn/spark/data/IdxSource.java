package org.sparkcnn.spark.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.IdxReader;
import org.sparkcnn.spark.ImageBlock;

/**
 * An MNIST-style IDX pair read through the Hadoop FileSystem API: {@code PREFIX-images-idx3-ubyte}
 * and {@code PREFIX-labels-idx1-ubyte}, each raw or with ".gz" (the content decides). The path is
 * the prefix ({@code data/fashion-mnist/train}) or the images file itself.
 *
 * <p>The driver reads the labels (4 bytes each) with {@link IdxReader} and the images header only,
 * and checks both against the model; each task then reads just its own rows' pixels, so neither the
 * driver nor a task ever holds the whole image file.
 */
public final class IdxSource implements ImageSource {
  static final String IMAGES = "-images-idx3-ubyte";
  static final String LABELS = "-labels-idx1-ubyte";
  private static final int IMAGES_MAGIC = 0x00000803;
  private static final int HEADER_BYTES = 16;

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
      imagesFile = find(conf, path, IMAGES);
      labelsFile = find(conf, path, LABELS);
    }
    int[] labels;
    try (InputStream in = open(conf, labelsFile)) {
      labels = IdxReader.readLabels(in, labelsFile);
    } catch (IOException e) {
      throw DatasetException.in(labelsFile)
          .problem("Cannot read IDX labels")
          .received(e.toString())
          .cause(e)
          .build();
    }
    int[] header = readHeader(conf, imagesFile);
    if (header[0] != labels.length) {
      throw DatasetException.in(imagesFile)
          .problem("Image and label counts differ")
          .received(header[0] + " images, but " + labels.length + " labels in '" + labelsFile + "'")
          .expected("one label per image")
          .hint("the two files come from different splits (train vs t10k) or data sets.")
          .build();
    }
    if (header[1] != input.height() || header[2] != input.width() || input.channels() != 1) {
      throw DatasetException.in(imagesFile)
          .at("header")
          .problem("Image size differs from the model input")
          .received(header[1] + " x " + header[2] + " x 1 (H x W x C)")
          .expected(input.shapeText())
          .hint(
              "IDX images are grayscale; the model's input_shape must be ["
                  + header[1]
                  + ", "
                  + header[2]
                  + ", 1].")
          .build();
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= input.classes()) {
        throw DatasetException.in(labelsFile)
            .at("label " + i)
            .problem("Label out of range")
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
    Broadcast<SerializableConfiguration> conf =
        SerializableConfiguration.broadcast(jsc.sc(), jsc.hadoopConfiguration());
    String file = images;
    ModelInput in = input;
    return jsc.parallelize(slices, partitions)
        .mapPartitions(
            it -> {
              List<ImageBlock> out = new ArrayList<>(1);
              while (it.hasNext()) {
                out.add(readSlice(conf.value().value(), file, it.next(), in));
              }
              return out.isEmpty()
                  ? Collections.singletonList(Blocks.empty(in)).iterator()
                  : out.iterator();
            });
  }

  private static ImageBlock readSlice(Configuration conf, String file, Slice s, ModelInput in)
      throws IOException {
    int n = s.labels().length;
    int size = in.imageSize();
    byte[] pixels = new byte[n * size];
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = s.start() + i;
    }
    if (n > 0) {
      try (InputStream stream = open(conf, file)) {
        stream.skipNBytes(HEADER_BYTES + s.start() * size);
        int got = stream.readNBytes(pixels, 0, pixels.length);
        if (got < pixels.length) {
          throw DatasetException.in(file)
              .at("image " + (s.start() + got / size))
              .problem("IDX file is truncated")
              .received("the data ends inside image " + (s.start() + got / size))
              .expected(
                  "images "
                      + s.start()
                      + ".."
                      + (s.start() + n - 1)
                      + " of "
                      + size
                      + " bytes each, as the header declares")
              .hint("the download or copy was interrupted; fetch the file again.")
              .build();
        }
      } catch (java.io.EOFException e) {
        throw DatasetException.in(file)
            .problem("IDX file is truncated")
            .received("the data ends before image " + s.start())
            .expected("the image count the header declares")
            .hint("the download or copy was interrupted; fetch the file again.")
            .cause(e)
            .build();
      }
    }
    return new ImageBlock(in.height(), in.width(), 1, pixels, s.labels(), ids);
  }

  /** {count, rows, columns} from an idx3 header. */
  private static int[] readHeader(Configuration conf, String file) {
    try (InputStream in = open(conf, file)) {
      byte[] h = in.readNBytes(HEADER_BYTES);
      if (h.length < HEADER_BYTES) {
        throw DatasetException.in(file)
            .at("header")
            .problem("IDX file ends inside its header")
            .received(h.length + " bytes")
            .expected(HEADER_BYTES + " header bytes")
            .hint("the file is truncated or empty.")
            .build();
      }
      int magic = intAt(h, 0);
      if (magic != IMAGES_MAGIC) {
        throw DatasetException.in(file)
            .at("header bytes 0-3")
            .problem("Not an idx3 images file: the magic number is wrong")
            .received(String.format("0x%08X", magic))
            .expected(String.format("0x%08X (idx3 unsigned bytes)", IMAGES_MAGIC))
            .hint(
                magic == 0x00000801
                    ? "this is a labels file; name the images file or the " + "prefix."
                    : "this is not an MNIST-style images file.")
            .build();
      }
      return new int[] {intAt(h, 4), intAt(h, 8), intAt(h, 12)};
    } catch (IOException e) {
      throw DatasetException.in(file)
          .problem("Cannot read IDX images")
          .received(e.toString())
          .cause(e)
          .build();
    }
  }

  private static int intAt(byte[] b, int o) {
    return ((b[o] & 0xFF) << 24)
        | ((b[o + 1] & 0xFF) << 16)
        | ((b[o + 2] & 0xFF) << 8)
        | (b[o + 3] & 0xFF);
  }

  /** Opens a file, decompressing it when it starts with the gzip magic bytes. */
  static InputStream open(Configuration conf, String file) throws IOException {
    Path p = new Path(file);
    FileSystem fs = p.getFileSystem(conf);
    BufferedInputStream in = new BufferedInputStream(fs.open(p), 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1F && b1 == 0x8B ? new GZIPInputStream(in, 1 << 16) : in;
  }

  private static String find(Configuration conf, String prefix, String suffix) {
    try {
      for (String candidate : List.of(prefix + suffix, prefix + suffix + ".gz")) {
        Path p = new Path(candidate);
        if (p.getFileSystem(conf).isFile(p)) {
          return candidate;
        }
      }
      Path p = new Path(prefix);
      boolean dir = p.getFileSystem(conf).isDirectory(p);
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
    } catch (IOException e) {
      throw DatasetException.in(prefix)
          .problem("Cannot look for IDX files")
          .received(e.toString())
          .cause(e)
          .build();
    }
  }
}
