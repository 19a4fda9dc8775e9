package org.sparkcnn.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.model.Sequential;

/**
 * The model directory format ({@link ModelDirectory}: model.json, weights.safetensors,
 * training.json with checksums) on Hadoop file systems. Saving writes the files, verifies them by
 * decoding, and commits the directory atomically ({@link HadoopFiles}); loading verifies the
 * checksums before parsing, and, for the model of a training output, that it is the published one
 * ({@link OutputDirectory#checkPublished}).
 */
public final class ModelStore {
  /** Largest model file read: weights of a few hundred million parameters. */
  private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  private ModelStore() {}

  public static void save(Sequential model, ModelInfo info, String dir, Configuration conf)
      throws IOException {
    save(model, info, dir, conf, null);
  }

  /** As {@link #save}, calling {@code beforeCommit} with the temporary directory. */
  public static void save(
      Sequential model, ModelInfo info, String dir, Configuration conf, Consumer<Path> beforeCommit)
      throws IOException {
    Map<String, byte[]> files = ModelDirectory.encode(model, info);
    ModelDirectory.decode(files, dir);
    HadoopFiles.writeDirectoryAtomically(new Path(dir), files, conf, beforeCommit);
  }

  /** The error for a path that is not a model directory (also the launcher's, before Spark). */
  public static String noModelDirectory(String dir) {
    return dir
        + ": no model directory here; expected a directory "
        + "holding "
        + ModelDirectory.MODEL_FILE
        + ", "
        + ModelDirectory.WEIGHTS_FILE
        + " and "
        + ModelDirectory.SETTINGS_FILE
        + " (e.g. the model/ folder a training job wrote)";
  }

  public static ModelDirectory.Loaded load(String dir, Configuration conf) throws IOException {
    Path root = new Path(dir);
    if (!HadoopFiles.isDirectory(HadoopFiles.fs(root, conf), root)) {
      throw new FileNotFoundException(noModelDirectory(dir));
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name :
        List.of(
            ModelDirectory.MODEL_FILE, ModelDirectory.WEIGHTS_FILE, ModelDirectory.SETTINGS_FILE)) {
      Path p = new Path(root, name);
      if (HadoopFiles.exists(p, conf)) {
        files.put(name, HadoopFiles.read(p, conf, MAX_FILE_BYTES));
      }
    }
    OutputDirectory.checkPublished(root, files, conf);
    return ModelDirectory.decode(files, dir);
  }
}
