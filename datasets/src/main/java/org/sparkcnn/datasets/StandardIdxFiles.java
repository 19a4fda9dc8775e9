package org.sparkcnn.datasets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds and loads the standard MNIST-style file pair of one split in a directory. The uncompressed
 * name is preferred when both it and the ".gz" name exist (it is faster to read); either way the
 * content decides whether it is decompressed.
 */
final class StandardIdxFiles {
  private StandardIdxFiles() {}

  static ImageDataset load(String dataSet, Path dir, Split split, List<String> classNames) {
    if (!Files.isDirectory(dir)) {
      throw DatasetException.in(dir.toString())
          .problem(dataSet + " directory does not exist")
          .received(Files.exists(dir) ? "a file" : "nothing at that path")
          .expected(
              "a directory holding "
                  + split.imagesFileName()
                  + "(.gz) and "
                  + split.labelsFileName()
                  + "(.gz)")
          .hint(fetchHint(dataSet))
          .build();
    }
    Path images = find(dataSet, dir, split.imagesFileName());
    Path labels = find(dataSet, dir, split.labelsFileName());
    return IdxReader.load(images, labels, classNames);
  }

  private static Path find(String dataSet, Path dir, String name) {
    Path raw = dir.resolve(name);
    if (Files.isRegularFile(raw)) {
      return raw;
    }
    Path gz = dir.resolve(name + ".gz");
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    throw DatasetException.in(dir.toString())
        .problem(dataSet + " file is missing")
        .received("neither " + name + " nor " + name + ".gz")
        .expected("one of them")
        .hint(fetchHint(dataSet))
        .build();
  }

  private static String fetchHint(String dataSet) {
    return dataSet.equals(FashionMnist.NAME)
        ? "run scripts/fetch-fashion-mnist to put the four standard files in data/fashion-mnist."
        : "put the four standard " + dataSet + " files there.";
  }
}
