package org.sparkcnn.core.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Optimizer;

/**
 * A saved model: a directory holding {@value #MODEL_FILE} (the Keras spec), {@value #WEIGHTS_FILE}
 * (safetensors) and {@value #SETTINGS_FILE} (class names, input shape, preprocessing, loss and
 * optimizer settings, training facts, and the SHA-256 and size of the other two files). Loading
 * verifies the checksums before parsing anything else.
 *
 * <p>{@link #encode} and {@link #decode} work on file bytes so any file system (Hadoop's in the
 * Spark job) can store them; {@link #save} and {@link #load} do it on the local file system,
 * atomically: the directory is complete and verified, or absent.
 */
public final class ModelDirectory {
  public static final String MODEL_FILE = "model.json";
  public static final String WEIGHTS_FILE = "weights.safetensors";
  public static final String SETTINGS_FILE = "training.json";
  public static final String FORMAT = "spark-cnn-model";
  public static final int FORMAT_VERSION = 1;

  /** Longest JSON file we read: specs and settings are kilobytes; refuse hostile sizes. */
  static final long MAX_JSON_BYTES = 16L << 20;

  /** A loaded model: compiled if the settings named a loss and an optimizer. */
  public record Loaded(Sequential model, ModelInfo info) {}

  private ModelDirectory() {}

  /** The directory's three files, name → bytes, with the model's current weights. */
  public static Map<String, byte[]> encode(Sequential model, ModelInfo info) {
    byte[] spec = ModelSpec.toJson(model).concat("\n").getBytes(StandardCharsets.UTF_8);
    byte[] weights = WeightsFile.encode(model, model.parameters());
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("format", FORMAT);
    s.put("format_version", FORMAT_VERSION);
    List<Object> shape = new ArrayList<>();
    for (int d : model.inputShape().dims()) {
      shape.add(d);
    }
    s.put("input_shape", shape);
    s.put("output_units", model.outputShape().size());
    s.put("class_names", info.classNames());
    s.put("preprocessing", Map.of("rescale", info.rescale()));
    s.put("loss", model.loss() == null ? null : model.loss().kerasName());
    s.put("optimizer", model.optimizer() == null ? null : model.optimizer().config());
    s.put("metrics", model.accuracy() == null ? List.of() : List.of("accuracy"));
    s.put("training", info.training());
    Map<String, Object> files = new LinkedHashMap<>();
    files.put(MODEL_FILE, fileEntry(spec));
    files.put(WEIGHTS_FILE, fileEntry(weights));
    s.put("files", files);
    Map<String, byte[]> out = new LinkedHashMap<>();
    out.put(MODEL_FILE, spec);
    out.put(WEIGHTS_FILE, weights);
    out.put(SETTINGS_FILE, Json.write(s).concat("\n").getBytes(StandardCharsets.UTF_8));
    return out;
  }

  /**
   * Rebuilds a model from its directory's files. {@code files} maps each file name to its bytes (a
   * missing file is an absent key); {@code location} names the directory in errors.
   */
  public static Loaded decode(Map<String, byte[]> files, String location)
      throws InvalidModelFileException {
    for (String name : List.of(MODEL_FILE, WEIGHTS_FILE, SETTINGS_FILE)) {
      if (!files.containsKey(name)) {
        throw new InvalidModelFileException(
            location,
            "not a spark-cnn model directory",
            "no " + name + " (files present: " + files.keySet() + ")",
            MODEL_FILE + ", " + WEIGHTS_FILE + " and " + SETTINGS_FILE,
            "point at the directory a training job wrote, e.g. runs/fmnist/model");
      }
    }
    String settingsSource = location + "/" + SETTINGS_FILE;
    Map<String, Object> s;
    try {
      s = JsonFields.asObject(Json.parse(files.get(SETTINGS_FILE), settingsSource), settingsSource);
      JsonFields.requireOnlyKeys(
          s,
          Set.of(
              "format",
              "format_version",
              "input_shape",
              "output_units",
              "class_names",
              "preprocessing",
              "loss",
              "optimizer",
              "metrics",
              "training",
              "files"),
          settingsSource);
      requireFormat(s, settingsSource, FORMAT, FORMAT_VERSION, "model");
      Map<String, Object> sums = JsonFields.getObject(s, "files", settingsSource);
      for (String name : List.of(MODEL_FILE, WEIGHTS_FILE)) {
        requireChecksum(
            files.get(name), sums, name, location, SETTINGS_FILE, "the model was saved");
      }

      String specSource = location + "/" + MODEL_FILE;
      Sequential model =
          ModelSpec.fromJson(new String(files.get(MODEL_FILE), StandardCharsets.UTF_8), specSource);
      WeightsFile.decodeInto(model, files.get(WEIGHTS_FILE), location + "/" + WEIGHTS_FILE);

      List<String> classNames = null;
      if (s.get("class_names") != null) {
        classNames = new ArrayList<>();
        for (Object o : JsonFields.getList(s, "class_names", settingsSource)) {
          if (!(o instanceof String)) {
            throw JsonFields.fieldError(settingsSource, "class_names", o, "strings");
          }
          classNames.add((String) o);
        }
        int outputs = model.outputShape().size();
        // One sigmoid output tells two classes apart (label 0 and 1): it has two names.
        if (classNames.size() != outputs && !(outputs == 1 && classNames.size() == 2)) {
          throw JsonFields.fieldError(
              settingsSource,
              "class_names",
              s.get("class_names"),
              outputs == 1
                  ? "2 names (classes 0 and 1 of the one output)"
                  : outputs + " names, one per model output");
        }
      }
      Map<String, Object> pre = JsonFields.getObject(s, "preprocessing", settingsSource);
      JsonFields.requireOnlyKeys(pre, Set.of("rescale"), settingsSource + " preprocessing");
      double rescale = JsonFields.getDouble(pre, "rescale", settingsSource + " preprocessing");
      Map<String, Object> training =
          s.get("training") == null
              ? Map.of()
              : JsonFields.getObject(s, "training", settingsSource);

      String loss = JsonFields.getOptionalString(s, "loss", settingsSource, null);
      if (loss != null && s.get("optimizer") != null) {
        Map<String, Object> opt = JsonFields.getObject(s, "optimizer", settingsSource);
        List<Object> metrics =
            s.get("metrics") == null ? List.of() : JsonFields.getList(s, "metrics", settingsSource);
        model.compile(
            loss,
            Optimizer.fromConfig(
                JsonFields.getString(opt, "name", settingsSource + " optimizer"), opt),
            metrics.stream().map(String::valueOf).toArray(String[]::new));
      }
      return new Loaded(model, new ModelInfo(classNames, rescale, training));
    } catch (IllegalArgumentException e) {
      throw new InvalidModelFileException(e.getMessage(), e);
    }
  }

  /** Writes the directory atomically: into a temporary sibling, then one rename. */
  public static void save(Sequential model, ModelInfo info, Path dir) throws IOException {
    Map<String, byte[]> files = encode(model, info);
    Path parent = dir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
    try {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Files.write(tmp.resolve(f.getKey()), f.getValue());
      }
      decode(readAll(tmp), tmp.toString());
      Path old = null;
      if (Files.exists(dir)) {
        old = parent.resolve("." + dir.getFileName() + ".old-" + System.nanoTime());
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      }
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException | DirectoryNotEmptyException e) {
        if (old != null) {
          Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
        }
        throw e;
      }
      if (old != null) {
        deleteTree(old);
      }
    } finally {
      if (Files.exists(tmp)) {
        deleteTree(tmp);
      }
    }
  }

  public static Loaded load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          dir.toString(),
          null,
          ErrorText.of(
              "no model directory here",
              "no such directory",
              "a directory holding " + MODEL_FILE + ", " + WEIGHTS_FILE + " and " + SETTINGS_FILE,
              null));
    }
    return decode(readAll(dir), dir.toString());
  }

  /** Reads the directory's known files, refusing JSON files beyond {@link #MAX_JSON_BYTES}. */
  private static Map<String, byte[]> readAll(Path dir) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : List.of(MODEL_FILE, WEIGHTS_FILE, SETTINGS_FILE)) {
      Path p = dir.resolve(name);
      if (Files.notExists(p, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      long limit = name.endsWith(".json") ? MAX_JSON_BYTES : Integer.MAX_VALUE - 8;
      files.put(name, RegularFiles.read(p, limit));
    }
    return files;
  }

  /**
   * Fails unless {@code data} has the size and SHA-256 that {@code sums} (the "files" object of
   * {@code location/sumsFile}) lists for {@code name}: the check every file of a model directory or
   * checkpoint passes before it is parsed.
   *
   * @param after when the file was complete, for the hint: "the model was saved"
   */
  static void requireChecksum(
      byte[] data,
      Map<String, Object> sums,
      String name,
      String location,
      String sumsFile,
      String after)
      throws InvalidModelFileException {
    String source = location + "/" + sumsFile + " files";
    Map<String, Object> entry = JsonFields.getObject(sums, name, source);
    String expected = JsonFields.getString(entry, "sha256", source + "." + name);
    long bytes = JsonFields.getLong(entry, "bytes", source + "." + name);
    String actual = sha256(data);
    if (bytes != data.length || !actual.equals(expected)) {
      throw new InvalidModelFileException(
          location + "/" + name,
          "file does not match its checksum in " + sumsFile,
          data.length + " bytes with SHA-256 " + actual,
          bytes + " bytes with SHA-256 " + expected,
          "the file was modified or truncated after " + after);
    }
  }

  private static Map<String, Object> fileEntry(byte[] data) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sha256", sha256(data));
    m.put("bytes", (long) data.length);
    return m;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Fails unless {@code m}'s "format" and "format_version" are {@code format} and {@code version}:
   * the check every file the project writes with a format name starts with.
   *
   * @param what what the file holds, for the message: "model" or "checkpoint"
   */
  static void requireFormat(
      Map<String, Object> m, String source, String format, int version, String what)
      throws InvalidModelFileException {
    String found = JsonFields.getString(m, "format", source);
    long foundVersion = JsonFields.getLong(m, "format_version", source);
    if (!found.equals(format) || foundVersion != version) {
      throw new InvalidModelFileException(
          source,
          "unsupported " + what + " format",
          found + " version " + foundVersion,
          format + " version " + version,
          "the " + what + " was written by another tool or a newer spark-cnn");
    }
  }
}
