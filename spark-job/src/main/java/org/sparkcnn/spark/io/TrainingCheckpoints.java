package org.sparkcnn.spark.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.CheckpointFiles;
import org.sparkcnn.core.io.InvalidModelFileException;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.ResumePoint;

/**
 * The checkpoints of one training run: what {@link DistributedTrainer} saves through, and where a
 * run resumes from. Each checkpoint carries the run's identity (the effective settings that decide
 * the weights, the model spec and a description of the data, with its SHA-256), so a run only
 * resumes from a checkpoint of the same training.
 */
public final class TrainingCheckpoints implements DistributedTrainer.CheckpointSink {
  private static final Logger LOG = Logger.getLogger(TrainingCheckpoints.class.getName());

  private final Sequential model;
  private final CheckpointStore store;
  private final int everySteps;
  private final Map<String, Object> identity;
  private final String identityHash;
  private long savedNanos;
  private int saved;

  /** Where a resumed run starts, and the damaged checkpoints passed over on the way. */
  public record Resumed(ResumePoint point, String from, List<String> skipped) {}

  /**
   * @param model the model whose weights and optimizer are saved and restored
   * @param everySteps steps between checkpoints within an epoch (0 = epoch ends only)
   * @param identity what makes two runs the same training: settings, spec, data description
   */
  public TrainingCheckpoints(
      Sequential model, CheckpointStore store, int everySteps, Map<String, Object> identity) {
    this.model = model;
    this.store = store;
    this.everySteps = everySteps;
    this.identity = canonical(identity);
    this.identityHash = sha256(Json.writeCompact(this.identity));
  }

  public CheckpointStore store() {
    return store;
  }

  public String identityHash() {
    return identityHash;
  }

  @Override
  public int everySteps() {
    return everySteps;
  }

  @Override
  public void save(ResumePoint point) {
    long started = System.nanoTime();
    Map<String, Object> progress = new LinkedHashMap<>();
    progress.put("resume_point", point.toJson());
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("epoch", (long) point.epoch());
    summary.put("step", (long) point.step());
    summary.put("identity_sha256", identityHash);
    summary.put("identity", identity);
    try {
      store.write(point.globalStep(), CheckpointFiles.encode(model, progress), summary);
    } catch (IOException e) {
      throw new UncheckedIOException(
          StorageErrors.wrap(e, store.dir().toString(), "write a checkpoint"));
    }
    savedNanos += System.nanoTime() - started;
    saved++;
  }

  /** Checkpoints written by this object so far, and the time they took. */
  public String savedSummary() {
    return String.format(
        Locale.ROOT,
        "%d checkpoints, %.1f ms each on average",
        saved,
        saved == 0 ? 0.0 : savedNanos / 1e6 / saved);
  }

  /**
   * Loads the newest intact checkpoint into the model and returns where to continue; null when the
   * store holds none.
   *
   * @throws CheckpointMismatchException when the newest checkpoint belongs to other training (a
   *     different config, spec or data), naming the settings that differ
   */
  public Resumed resume() throws IOException {
    CheckpointStore.Found<ResumePoint> found =
        store.newest(
            (files, location) -> {
              byte[] manifestBytes = files.get(CheckpointFiles.MANIFEST_FILE);
              if (manifestBytes == null) {
                throw new InvalidModelFileException(
                    location, "no manifest", "none", CheckpointFiles.MANIFEST_FILE, null);
              }
              Map<String, Object> manifest = CheckpointFiles.readManifest(manifestBytes, location);
              String theirs =
                  JsonFields.getOptionalString(manifest, "identity_sha256", location, "");
              if (!theirs.equals(identityHash)) {
                throw new CheckpointMismatchException(
                    location, differences(manifest.get("identity"), identity));
              }
              Map<String, Object> progress = CheckpointFiles.restore(files, model, location);
              return ResumePoint.fromJson(
                  JsonFields.getObject(progress, "resume_point", location),
                  location + "/" + CheckpointFiles.STATE_FILE);
            });
    if (found == null) {
      return null;
    }
    store.dropNewerThan(found.path());
    LOG.info("spark-cnn: resuming from " + found.path());
    return new Resumed(found.value(), found.path().toString(), found.skipped());
  }

  /**
   * {@code value} with every map's keys in sorted order, so that equal settings write equal JSON
   * whatever order their maps iterate in (Map.of's order differs from one JVM to the next: a resume
   * in a new process must still recognise its checkpoint).
   */
  @SuppressWarnings("unchecked")
  static <T> T canonical(T value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sorted.put(String.valueOf(e.getKey()), canonical(e.getValue()));
      }
      return (T) new LinkedHashMap<>(sorted);
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object o : l) {
        out.add(canonical(o));
      }
      return (T) out;
    }
    return value;
  }

  /** The keys whose values differ between two identities, e.g. "seed: 1 -> 2". */
  static List<String> differences(Object saved, Map<String, Object> current) {
    List<String> out = new ArrayList<>();
    Map<?, ?> theirs = saved instanceof Map<?, ?> m ? canonical(m) : Map.of();
    current = canonical(current);
    TreeSet<String> keys = new TreeSet<>(current.keySet());
    for (Object k : theirs.keySet()) {
      keys.add(String.valueOf(k));
    }
    for (String k : keys) {
      String a = Json.writeCompact(theirs.get(k));
      String b = Json.writeCompact(current.get(k));
      if (!a.equals(b)) {
        out.add(k + ": " + excerpt(a) + " -> " + excerpt(b));
      }
    }
    return out;
  }

  private static String excerpt(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  public static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The newest checkpoint was written by different training than this run's. */
  public static final class CheckpointMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> differences;

    CheckpointMismatchException(String location, List<String> differences) {
      super(
          ErrorText.problem("the checkpoint " + location + " belongs to a different training run")
              .received(
                  "a checkpoint whose settings differ in "
                      + (differences.isEmpty() ? "[an older checkpoint format]" : differences))
              .expected("the same config, model spec and data")
              .hint(
                  "resume with the config the checkpoint was written with, or start afresh"
                      + " without resume (its checkpoints are then replaced)")
              .text());
      this.differences = List.copyOf(differences);
    }

    public List<String> differences() {
      return differences;
    }
  }
}
