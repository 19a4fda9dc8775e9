package org.sparkcnn.spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.ImageDecoder;
import org.sparkcnn.datasets.ImageFolderReader;
import org.sparkcnn.spark.ImageBlock;

/**
 * An image folder {@code root/<class name>/<image file>} on any Hadoop file system, with the layout
 * rules and order of {@link ImageFolderReader}: class folders sorted by name give labels 0, 1, ...;
 * files sorted by name within a class; names starting with "." ignored; a file at the top level, a
 * folder inside a class folder or an empty class folder is an error. The driver lists the files;
 * each task reads and decodes its own, at exactly the model's size.
 */
public final class ImageFolderSource implements ImageSource {
  private final JavaSparkContext jsc;
  private final String root;
  private final List<String> classNames;
  private final String[] files;
  private final int[] labels;
  private final ModelInput input;

  private ImageFolderSource(
      JavaSparkContext jsc,
      String root,
      List<String> classNames,
      String[] files,
      int[] labels,
      ModelInput input) {
    this.jsc = jsc;
    this.root = root;
    this.classNames = classNames;
    this.files = files;
    this.labels = labels;
    this.input = input;
  }

  /** Lists the folder and checks its classes against the model's outputs. */
  public static ImageFolderSource open(JavaSparkContext jsc, String root, ModelInput input) {
    Configuration conf = jsc.hadoopConfiguration();
    Path rootPath = new Path(root);
    try {
      FileSystem fs = rootPath.getFileSystem(conf);
      if (!fs.isDirectory(rootPath)) {
        throw DatasetException.in(root)
            .problem("Image folder does not exist")
            .received(fs.exists(rootPath) ? "a file" : "nothing at that path")
            .expected("a folder laid out as <root>/<class name>/<image file>")
            .build();
      }
      List<String> classNames = new ArrayList<>();
      List<String> files = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      for (FileStatus classDir : visible(fs, rootPath)) {
        if (!classDir.isDirectory()) {
          throw DatasetException.in(classDir.getPath().toString())
              .problem("File at the top level of an image folder")
              .received("a file")
              .expected("a folder per class: <root>/<class name>/<image file>")
              .hint(
                  "images directly under the root have no class; move them into a class "
                      + "folder.")
              .build();
        }
        int label = classNames.size();
        classNames.add(classDir.getPath().getName());
        int before = files.size();
        for (FileStatus f : visible(fs, classDir.getPath())) {
          if (f.isDirectory()) {
            throw DatasetException.in(f.getPath().toString())
                .problem("Folder inside a class folder")
                .received("a folder")
                .expected("image files only, one level below the class folder")
                .hint(
                    "nested folders are not read; move their images up or make them " + "classes.")
                .build();
          }
          files.add(f.getPath().toString());
          labels.add(label);
        }
        if (files.size() == before) {
          throw DatasetException.in(root)
              .at("class '" + classDir.getPath().getName() + "'")
              .problem("Class folder is empty")
              .received("no files")
              .expected("at least one image")
              .hint(
                  "remove the folder, or add its images; an empty class still takes a label "
                      + "index.")
              .build();
        }
      }
      if (classNames.isEmpty()) {
        throw DatasetException.in(root)
            .problem("Image folder has no class folders")
            .received("an empty folder")
            .expected("at least one folder <root>/<class name>/ holding images")
            .build();
      }
      if (classNames.size() != input.classes()) {
        throw DatasetException.in(root)
            .problem("Image folder classes do not match the model")
            .received(classNames.size() + " class folders " + abbreviate(classNames))
            .expected(input.classes() + " classes, one per model output")
            .hint("change the last layer's units, or the folders.")
            .build();
      }
      return new ImageFolderSource(
          jsc,
          root,
          classNames,
          files.toArray(new String[0]),
          labels.stream().mapToInt(Integer::intValue).toArray(),
          input);
    } catch (IOException e) {
      throw DatasetException.in(root)
          .problem("Cannot list image folder")
          .received(e.toString())
          .cause(e)
          .build();
    }
  }

  @Override
  public String describe() {
    return "image folder "
        + root
        + " ("
        + files.length
        + " images, "
        + classNames.size()
        + " classes)";
  }

  @Override
  public long count() {
    return files.length;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  private record Slice(long start, String[] files, int[] labels) implements Serializable {}

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
    Broadcast<SerializableConfiguration> conf =
        SerializableConfiguration.broadcast(jsc.sc(), jsc.hadoopConfiguration());
    ModelInput in = input;
    return jsc.parallelize(slices, partitions)
        .mapPartitions(
            it -> {
              List<ImageBlock> out = new ArrayList<>(1);
              while (it.hasNext()) {
                out.add(decode(conf.value().value(), it.next(), in));
              }
              return out.isEmpty()
                  ? Collections.singletonList(Blocks.empty(in)).iterator()
                  : out.iterator();
            });
  }

  private static ImageBlock decode(Configuration conf, Slice s, ModelInput in) throws IOException {
    ImageDecoder decoder = ImageDecoder.exact(in.height(), in.width(), in.channels());
    int n = s.files().length;
    byte[] pixels = new byte[n * in.imageSize()];
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      Path p = new Path(s.files()[i]);
      FileSystem fs = p.getFileSystem(conf);
      long length = fs.getFileStatus(p).getLen();
      if (length > ImageDecoder.MAX_ENCODED_BYTES) {
        throw DatasetException.in(s.files()[i])
            .problem("File is too large to be read as one image")
            .received(length + " bytes")
            .expected("at most " + ImageDecoder.MAX_ENCODED_BYTES + " bytes")
            .build();
      }
      byte[] encoded;
      try (InputStream stream = fs.open(p)) {
        encoded = stream.readAllBytes();
      }
      decoder.decodeInto(encoded, s.files()[i], pixels, i * in.imageSize());
      ids[i] = s.start() + i;
    }
    return new ImageBlock(in.height(), in.width(), in.channels(), pixels, s.labels(), ids);
  }

  private static List<FileStatus> visible(FileSystem fs, Path dir) throws IOException {
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      if (!s.getPath().getName().startsWith(".")) {
        out.add(s);
      }
    }
    out.sort(Comparator.comparing(s -> s.getPath().getName()));
    return out;
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 12 ? names.toString() : names.subList(0, 12) + "...";
  }
}
