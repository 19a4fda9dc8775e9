package org.sparkcnn.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;

/**
 * A training output ({@code model/}, {@code metrics.json}, {@code config.json}) updated as one
 * unit. A run writes the new files into its own staging folder {@code .tmp-<run>/}, moves the old
 * entries into {@code .old-<run>/} and the new ones in, and then replaces {@value #PUBLISHED_FILE}
 * (the SHA-256 of every published file) atomically: that last rename is the publication.
 *
 * <p>Readers ({@link ModelStore#load}, so scripts/evaluate, score and the SQL functions) trust a
 * model folder inside such an output only when its files match {@value #PUBLISHED_FILE}; while a
 * run is between the first move and the last rename they find a mismatch and say so instead of
 * reading a mixture. A run killed in that window is undone by the next writer ({@link #recover}),
 * which puts the published entries back from {@code .old-*} and removes every leftover folder.
 *
 * <p>The writer holds the output's {@link OutputLock} throughout.
 */
public final class OutputDirectory {
  private static final Logger LOG = Logger.getLogger(OutputDirectory.class.getName());
  public static final String PUBLISHED_FILE = "published.json";

  /** What a run publishes, in the order it is moved in. */
  public static final List<String> ENTRIES = List.of("model", "metrics.json", "config.json");

  private final Path dir;
  private final Configuration conf;
  private final String run;

  public OutputDirectory(String output, Configuration conf, String run) {
    this.dir = new Path(output);
    this.conf = conf;
    this.run = run;
  }

  /**
   * Undoes an interrupted publication (entries that do not match {@value #PUBLISHED_FILE} are
   * replaced by the matching ones a killed run moved aside) and removes the staging, old and stale
   * leftovers of earlier runs. Call with the lock held, before writing anything.
   */
  public void recover() throws IOException {
    FileSystem fs = HadoopFiles.fs(dir, conf);
    if (!fs.exists(dir)) {
      return;
    }
    Map<String, Object> published = published(fs);
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (published != null && s.isDirectory() && name.startsWith(".old-")) {
        for (String entry : ENTRIES) {
          Path aside = new Path(s.getPath(), entry);
          Path current = new Path(dir, entry);
          if (fs.exists(aside) && !matches(fs, current, entry, published)) {
            fs.delete(current, true);
            if (!fs.rename(aside, current)) {
              throw new IOException("could not move " + aside + " back to " + current);
            }
            LOG.warning(
                "spark-cnn: an earlier run was stopped while publishing; restored " + current);
          }
        }
      }
    }
    int removed = 0;
    for (FileStatus s : fs.listStatus(dir)) {
      if (isLeftover(s.getPath().getName())) {
        fs.delete(s.getPath(), true);
        removed++;
      }
    }
    if (removed > 0) {
      LOG.info("spark-cnn: removed " + removed + " leftovers of earlier runs in " + dir);
    }
  }

  /** Names this class and {@link HadoopFiles} give temporary things. */
  static boolean isLeftover(String name) {
    return name.startsWith(".")
        && (name.startsWith(".tmp-")
            || name.startsWith(".old-")
            || name.contains(".tmp-")
            || name.contains(".old-")
            || name.startsWith(OutputLock.LOCK_FILE + ".stale-"));
  }

  /**
   * Publishes {@code files} (paths relative to the output, e.g. "model/weights.safetensors",
   * "metrics.json"; every entry of {@link #ENTRIES} they name is replaced as a whole).
   */
  public void publish(Map<String, byte[]> files) throws IOException {
    FileSystem fs = HadoopFiles.fs(dir, conf);
    Path staging = new Path(dir, ".tmp-" + run);
    Path old = new Path(dir, ".old-" + run);
    Map<String, Object> sums = new LinkedHashMap<>();
    List<String> entries = new ArrayList<>();
    HadoopFiles.mkdirs(fs, staging);
    try {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        String entry = f.getKey().split("/")[0];
        if (!ENTRIES.contains(entry)) {
          throw new IllegalArgumentException("not an output entry: " + f.getKey());
        }
        if (!entries.contains(entry)) {
          entries.add(entry);
        }
        Path p = new Path(staging, f.getKey());
        HadoopFiles.mkdirs(fs, p.getParent());
        HadoopFiles.writeNew(fs, p, f.getValue());
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("sha256", sha256(f.getValue()));
        e.put("bytes", (long) f.getValue().length);
        sums.put(f.getKey(), e);
      }
    } catch (IOException | RuntimeException e) {
      // Nothing has moved yet: the published output is untouched; leave no staging behind.
      fs.delete(staging, true);
      throw e;
    }
    if (!fs.exists(new Path(dir, PUBLISHED_FILE))) {
      // From now on readers must not trust whatever is in the entries' places until published.
      HadoopFiles.writeAtomically(new Path(dir, PUBLISHED_FILE), manifest(Map.of()), conf);
    }
    HadoopFiles.mkdirs(fs, old);
    List<String> moved = new ArrayList<>();
    try {
      for (String entry : ENTRIES) {
        if (!entries.contains(entry)) {
          continue;
        }
        Path current = new Path(dir, entry);
        if (fs.exists(current)) {
          rename(fs, current, new Path(old, entry));
        }
        moved.add(entry);
        rename(fs, new Path(staging, entry), current);
      }
      HadoopFiles.writeAtomically(new Path(dir, PUBLISHED_FILE), manifest(sums), conf);
    } catch (IOException | RuntimeException e) {
      rollBack(fs, old, moved);
      throw e;
    }
    fs.delete(old, true);
    fs.delete(staging, true);
  }

  private void rollBack(FileSystem fs, Path old, List<String> moved) {
    for (String entry : moved) {
      try {
        Path aside = new Path(old, entry);
        if (fs.exists(aside)) {
          fs.delete(new Path(dir, entry), true);
          fs.rename(aside, new Path(dir, entry));
        }
      } catch (IOException e) {
        LOG.warning("spark-cnn: could not restore " + entry + "; the next run restores it: " + e);
      }
    }
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("could not rename " + from + " to " + to);
    }
  }

  private byte[] manifest(Map<String, Object> sums) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", "spark-cnn-output");
    m.put("format_version", 1L);
    m.put("run", run);
    m.put("published", Instant.now().toString());
    m.put("files", sums);
    return (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private Map<String, Object> published(FileSystem fs) throws IOException {
    return readPublished(fs, dir);
  }

  private static Map<String, Object> readPublished(FileSystem fs, Path output) throws IOException {
    Path p = new Path(output, PUBLISHED_FILE);
    byte[] bytes;
    try (InputStream in = fs.open(p)) {
      bytes = in.readNBytes(16 << 20);
    } catch (FileNotFoundException e) {
      return null;
    }
    return JsonFields.asObject(Json.parse(bytes, p.toString()), p.toString());
  }

  /** Whether every published file of {@code entry} is at {@code current} with its SHA-256. */
  private static boolean matches(
      FileSystem fs, Path current, String entry, Map<String, Object> published) throws IOException {
    Map<String, Object> files = JsonFields.getObject(published, "files", PUBLISHED_FILE);
    boolean any = false;
    for (Map.Entry<String, Object> f : files.entrySet()) {
      if (!f.getKey().equals(entry) && !f.getKey().startsWith(entry + "/")) {
        continue;
      }
      any = true;
      Path p = new Path(current.getParent(), f.getKey());
      if (!fs.exists(p)) {
        return false;
      }
      String expected = String.valueOf(((Map<?, ?>) f.getValue()).get("sha256"));
      try (InputStream in = fs.open(p)) {
        if (!expected.equals(sha256(in.readAllBytes()))) {
          return false;
        }
      }
    }
    return any;
  }

  /**
   * For readers: throws unless the files just read from {@code folder} (name → bytes) are what the
   * enclosing output published. A folder outside a training output (no {@value #PUBLISHED_FILE}
   * beside it) is trusted as it is.
   */
  public static void checkPublished(Path folder, Map<String, byte[]> files, Configuration conf)
      throws IOException {
    Path output = folder.getParent();
    if (output == null) {
      return;
    }
    FileSystem fs = HadoopFiles.fs(output, conf);
    Map<String, Object> published = readPublished(fs, output);
    if (published == null) {
      return;
    }
    Map<String, Object> sums = JsonFields.getObject(published, "files", PUBLISHED_FILE);
    String entry = folder.getName();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Object listed = sums.get(entry + "/" + f.getKey());
      String actual = sha256(f.getValue());
      if (!(listed instanceof Map<?, ?> m) || !actual.equals(m.get("sha256"))) {
        throw new IOException(
            ErrorText.problem("not the published version of this output")
                .in(folder + "/" + f.getKey())
                .received("SHA-256 " + actual)
                .expected(
                    listed == null
                        ? "a file listed in " + new Path(output, PUBLISHED_FILE)
                        : "SHA-256 " + ((Map<?, ?>) listed).get("sha256"))
                .hint(
                    "a training run is publishing into "
                        + output
                        + " right now (try again when it ends) or was stopped while publishing"
                        + " (run it again with --resume to finish it)")
                .text());
      }
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
