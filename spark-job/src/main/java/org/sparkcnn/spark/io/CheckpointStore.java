package org.sparkcnn.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.CheckpointFiles;
import org.sparkcnn.core.io.InvalidModelFileException;

/**
 * A folder of training checkpoints on any Hadoop file system. Each checkpoint is a fresh subfolder,
 * {@code ckpt-<global step, 12 digits>-<writer's clock, hex>}, holding the files of {@link
 * CheckpointFiles}. The data files are written and hsync'ed first; {@value
 * CheckpointFiles#MANIFEST_FILE} (their SHA-256 and sizes) is renamed into place last, and a
 * checkpoint without it does not exist for readers. After each write only the newest {@code keep}
 * complete checkpoints stay, and folders a killed writer left incomplete are removed.
 *
 * <p>One writer at a time: the caller holds the output's {@link OutputLock}.
 */
public final class CheckpointStore {
  private static final Logger LOG = Logger.getLogger(CheckpointStore.class.getName());
  private static final String PREFIX = "ckpt-";
  private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  private final Path dir;
  private final Configuration conf;
  private final int keep;

  /** A checkpoint read back: where, and what its reader made of it. */
  public record Found<T>(Path path, T value, List<String> skipped) {}

  /** Turns a checkpoint's files into a value, verifying them; throws when they are damaged. */
  public interface Reader<T> {
    T read(Map<String, byte[]> files, String location) throws InvalidModelFileException;
  }

  public CheckpointStore(Path dir, Configuration conf, int keep) {
    if (keep < 1) {
      throw ErrorText.problem("keep_checkpoints must be at least 1")
          .received(keep)
          .expected("1 or more")
          .illegalArgument();
    }
    this.dir = dir;
    this.conf = conf;
    this.keep = keep;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Writes a checkpoint of {@code globalStep} under a fresh name and publishes it by renaming its
   * manifest in last; then prunes old ones. Returns its folder.
   */
  public Path write(long globalStep, Map<String, byte[]> dataFiles, Map<String, Object> summary)
      throws IOException {
    FileSystem fs = HadoopFiles.fs(dir, conf);
    Path ckpt =
        new Path(
            dir,
            String.format(
                Locale.ROOT, "%s%012d-%x", PREFIX, globalStep, System.currentTimeMillis()));
    try {
      HadoopFiles.mkdirs(fs, ckpt);
      for (String name : CheckpointFiles.DATA_FILES) {
        HadoopFiles.writeNew(fs, new Path(ckpt, name), dataFiles.get(name));
      }
      Map<String, Object> facts = new LinkedHashMap<>(summary);
      facts.put("global_step", globalStep);
      HadoopFiles.writeAtomically(
          new Path(ckpt, CheckpointFiles.MANIFEST_FILE),
          CheckpointFiles.manifest(dataFiles, facts),
          conf);
    } catch (IOException | RuntimeException e) {
      // Not published (no manifest): remove the part written, keep the older checkpoints.
      try {
        fs.delete(ckpt, true);
      } catch (IOException ignored) {
        // The next write prunes it.
      }
      throw e;
    }
    prune(fs, ckpt);
    return ckpt;
  }

  /**
   * The newest checkpoint that {@code reader} accepts, or null when there is none. A damaged or
   * unreadable checkpoint is reported (in {@link Found#skipped}, for the caller to show) and the
   * next older one tried; an incomplete one (no manifest: its writer was stopped) is passed over.
   */
  public <T> Found<T> newest(Reader<T> reader) throws IOException {
    List<String> skipped = new ArrayList<>();
    for (Path ckpt : complete(HadoopFiles.fs(dir, conf))) {
      Map<String, byte[]> files = new LinkedHashMap<>();
      try {
        for (String name : CheckpointFiles.allFiles()) {
          Path p = new Path(ckpt, name);
          if (HadoopFiles.exists(p, conf)) {
            files.put(name, HadoopFiles.read(p, conf, MAX_FILE_BYTES));
          }
        }
        return new Found<>(ckpt, reader.read(files, ckpt.toString()), skipped);
      } catch (InvalidModelFileException | FileNotFoundException e) {
        String why =
            "checkpoint " + ckpt + " is damaged, using the one before it: " + e.getMessage();
        LOG.log(Level.FINE, why, e); // the caller reports it to the user

        skipped.add(why);
      }
    }
    return null;
  }

  /** Complete checkpoints (with a manifest), newest first. */
  public List<Path> list() throws IOException {
    return complete(HadoopFiles.fs(dir, conf));
  }

  /**
   * Removes the checkpoints newer than {@code resumedFrom}: after a resume they belong to the
   * abandoned continuation (damaged ones, which is why an older one was chosen).
   */
  public void dropNewerThan(Path resumedFrom) throws IOException {
    FileSystem fs = HadoopFiles.fs(dir, conf);
    for (FileStatus s : folders(fs)) {
      if (s.getPath().getName().compareTo(resumedFrom.getName()) > 0) {
        fs.delete(s.getPath(), true);
      }
    }
  }

  /** Removes every checkpoint (a run that starts afresh). */
  public int clear() throws IOException {
    FileSystem fs = HadoopFiles.fs(dir, conf);
    int n = 0;
    for (FileStatus s : folders(fs)) {
      fs.delete(s.getPath(), true);
      n++;
    }
    return n;
  }

  private List<Path> complete(FileSystem fs) throws IOException {
    List<Path> out = new ArrayList<>();
    for (FileStatus s : folders(fs)) {
      if (fs.exists(new Path(s.getPath(), CheckpointFiles.MANIFEST_FILE))) {
        out.add(s.getPath());
      }
    }
    return out;
  }

  /** Checkpoint folders, newest first: by global step, then by the writer's clock. */
  private List<FileStatus> folders(FileSystem fs) throws IOException {
    if (!fs.exists(dir)) {
      return List.of();
    }
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isDirectory() && s.getPath().getName().startsWith(PREFIX)) {
        out.add(s);
      }
    }
    out.sort(Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed());
    return out;
  }

  /** Keeps the newest {@code keep} complete checkpoints and {@code current}; removes the rest. */
  private void prune(FileSystem fs, Path current) throws IOException {
    int kept = 0;
    for (FileStatus s : folders(fs)) {
      Path p = s.getPath();
      boolean isComplete = fs.exists(new Path(p, CheckpointFiles.MANIFEST_FILE));
      if (p.getName().equals(current.getName()) || (isComplete && kept < keep)) {
        kept += isComplete ? 1 : 0;
        continue;
      }
      fs.delete(p, true);
    }
  }
}
