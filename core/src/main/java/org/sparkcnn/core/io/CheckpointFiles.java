package org.sparkcnn.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.layers.ParamSpec;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Optimizer;

/**
 * A training checkpoint: everything a run needs to continue exactly where it stopped, as four
 * files.
 *
 * <ul>
 *   <li>{@value #WEIGHTS_FILE}: the weights, as in a model directory (Keras names and layouts);
 *   <li>{@value #OPTIMIZER_FILE}: the optimizer's state tensors, named {@code <slot>/<weight>} with
 *       the weight's shape, e.g. {@code momentum/conv2d/kernel} and {@code velocity/conv2d/kernel}
 *       for Adam's m and v; the step count is in its {@code __metadata__} ("iterations");
 *   <li>{@value #STATE_FILE}: the caller's progress as JSON (epoch, step, history, config, …) plus
 *       the optimizer's settings and step count;
 *   <li>{@value #MANIFEST_FILE}: written last, and what makes the checkpoint exist: the SHA-256 and
 *       size of the other three, checked before any of them is parsed.
 * </ul>
 *
 * <p>Works on file bytes so that any file system can store them; no Java serialization.
 */
public final class CheckpointFiles {
  public static final String WEIGHTS_FILE = ModelDirectory.WEIGHTS_FILE;
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";
  public static final String STATE_FILE = "state.json";
  public static final String MANIFEST_FILE = "manifest.json";
  public static final String FORMAT = "spark-cnn-checkpoint";
  public static final int FORMAT_VERSION = 1;

  /** The data files, in the order they are written; the manifest comes after all of them. */
  public static final List<String> DATA_FILES = List.of(WEIGHTS_FILE, OPTIMIZER_FILE, STATE_FILE);

  private CheckpointFiles() {}

  /**
   * The data files of a checkpoint of {@code model} (its current weights and its optimizer's
   * state), with {@code progress} stored in {@value #STATE_FILE} under "progress".
   */
  public static Map<String, byte[]> encode(Sequential model, Map<String, Object> progress) {
    Optimizer opt = model.optimizer();
    float[] params = model.parameters();
    for (int i = 0; i < params.length; i++) {
      if (!Float.isFinite(params[i])) {
        // A checkpoint is a state worth returning to; a diverged one is not.
        throw new IllegalStateException(
            ErrorText.problem("a weight is not finite")
                .in(model.describe())
                .received(params[i] + " at index " + i)
                .expected("finite weights")
                .hint("the run diverged, lower the learning rate")
                .text());
      }
    }
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> slot : opt.state().entrySet()) {
      for (ParamSpec p : model.weightTensors()) {
        tensors.put(
            slot.getKey() + "/" + p.name(),
            new TensorData(
                p.shape(), Arrays.copyOfRange(slot.getValue(), p.offset(), p.offset() + p.size())));
      }
    }
    ByteArrayOutputStream optimizerBytes = new ByteArrayOutputStream();
    try {
      Safetensors.write(
          optimizerBytes,
          tensors,
          Map.of(
              "format", FORMAT,
              "optimizer", opt.kerasName(),
              "iterations", Long.toString(opt.iterations())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("format", FORMAT);
    state.put("format_version", FORMAT_VERSION);
    state.put("optimizer", opt.config());
    state.put("optimizer_iterations", opt.iterations());
    state.put("progress", progress);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(WEIGHTS_FILE, WeightsFile.encode(model, params));
    files.put(OPTIMIZER_FILE, optimizerBytes.toByteArray());
    files.put(STATE_FILE, utf8(Json.write(state) + "\n"));
    return files;
  }

  /** The manifest of {@code dataFiles}: their SHA-256 and sizes, plus {@code summary} facts. */
  public static byte[] manifest(Map<String, byte[]> dataFiles, Map<String, Object> summary) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("format_version", FORMAT_VERSION);
    m.putAll(summary);
    Map<String, Object> sums = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> f : dataFiles.entrySet()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("sha256", ModelDirectory.sha256(f.getValue()));
      e.put("bytes", (long) f.getValue().length);
      sums.put(f.getKey(), e);
    }
    m.put("files", sums);
    return utf8(Json.write(m) + "\n");
  }

  /** The parsed manifest, checked for format and version; errors name {@code location}. */
  public static Map<String, Object> readManifest(byte[] bytes, String location)
      throws InvalidModelFileException {
    String source = location + "/" + MANIFEST_FILE;
    try {
      Map<String, Object> m = JsonFields.asObject(Json.parse(bytes, source), source);
      ModelDirectory.requireFormat(m, source, FORMAT, FORMAT_VERSION, "checkpoint");
      JsonFields.getObject(m, "files", source);
      return m;
    } catch (IllegalArgumentException e) {
      throw new InvalidModelFileException(e.getMessage(), e);
    }
  }

  /**
   * Verifies {@code files} against the manifest, then loads the weights and the optimizer state
   * into {@code model} (whose optimizer must have the checkpoint's settings) and returns the
   * progress map. Nothing in the model changes unless every file is intact and fits.
   */
  public static Map<String, Object> restore(
      Map<String, byte[]> files, Sequential model, String location)
      throws InvalidModelFileException {
    if (!files.containsKey(MANIFEST_FILE)) {
      throw new InvalidModelFileException(
          location,
          "not a complete checkpoint",
          "no " + MANIFEST_FILE + " (files present: " + files.keySet() + ")",
          MANIFEST_FILE + " beside " + DATA_FILES,
          "the run stopped while writing it; the previous checkpoint is used");
    }
    Map<String, Object> manifest = readManifest(files.get(MANIFEST_FILE), location);
    Map<String, Object> sums = JsonFields.getObject(manifest, "files", location);
    for (String name : DATA_FILES) {
      verify(files.get(name), sums, name, location);
    }
    String stateSource = location + "/" + STATE_FILE;
    try {
      Map<String, Object> state =
          JsonFields.asObject(Json.parse(files.get(STATE_FILE), stateSource), stateSource);
      ModelDirectory.requireFormat(state, stateSource, FORMAT, FORMAT_VERSION, "checkpoint");
      Optimizer opt = model.optimizer();
      Map<String, Object> saved = JsonFields.getObject(state, "optimizer", stateSource);
      if (!Json.writeCompact(saved).equals(Json.writeCompact(opt.config()))) {
        throw new InvalidModelFileException(
            stateSource,
            "the checkpoint's optimizer differs from the run's",
            Json.writeCompact(saved),
            Json.writeCompact(opt.config()),
            "resume with the config the checkpoint was written with");
      }
      long iterations = JsonFields.getLong(state, "optimizer_iterations", stateSource);
      Map<String, float[]> slots = optimizerSlots(model, files.get(OPTIMIZER_FILE), location);
      float[] before = model.parameters().clone();
      WeightsFile.decodeInto(model, files.get(WEIGHTS_FILE), location + "/" + WEIGHTS_FILE);
      try {
        opt.restore(iterations, slots, model.paramCount());
      } catch (IllegalArgumentException e) {
        model.setParameters(before);
        throw new InvalidModelFileException(
            location + "/" + OPTIMIZER_FILE + ": " + e.getMessage(), e);
      }
      return JsonFields.getObject(state, "progress", stateSource);
    } catch (IllegalArgumentException e) {
      throw new InvalidModelFileException(e.getMessage(), e);
    }
  }

  /** Slot name → flat array, reassembled from the {@code <slot>/<weight>} tensors. */
  private static Map<String, float[]> optimizerSlots(
      Sequential model, byte[] bytes, String location) throws InvalidModelFileException {
    String source = location + "/" + OPTIMIZER_FILE;
    Safetensors.File file = Safetensors.read(bytes, source, "optimizer state");
    Map<String, float[]> slots = new LinkedHashMap<>();
    List<ParamSpec> weights = model.weightTensors();
    for (Map.Entry<String, TensorData> t : file.tensors().entrySet()) {
      String name = t.getKey();
      int cut = name.indexOf('/');
      String weight = cut < 0 ? "" : name.substring(cut + 1);
      ParamSpec p = weights.stream().filter(w -> w.name().equals(weight)).findFirst().orElse(null);
      if (p == null || !Arrays.equals(p.shape(), t.getValue().shape())) {
        throw new InvalidModelFileException(
            source,
            "optimizer tensor '" + name + "' does not fit the model",
            "shape " + Arrays.toString(t.getValue().shape()),
            "<slot>/<weight> with the weight's shape, weights " + weights,
            "the checkpoint belongs to a different model spec");
      }
      float[] flat =
          slots.computeIfAbsent(name.substring(0, cut), k -> new float[model.paramCount()]);
      System.arraycopy(t.getValue().data(), 0, flat, p.offset(), p.size());
    }
    for (Map.Entry<String, float[]> slot : slots.entrySet()) {
      for (ParamSpec p : weights) {
        if (!file.tensors().containsKey(slot.getKey() + "/" + p.name())) {
          throw new InvalidModelFileException(
              source,
              "optimizer slot '" + slot.getKey() + "' misses a weight",
              "no tensor " + slot.getKey() + "/" + p.name(),
              "one tensor per weight and slot",
              "the file was written by another tool");
        }
      }
    }
    return slots;
  }

  private static void verify(byte[] data, Map<String, Object> sums, String name, String location)
      throws InvalidModelFileException {
    if (data == null) {
      throw new InvalidModelFileException(
          location + "/" + name,
          "checkpoint file missing",
          "no such file",
          "the file the manifest lists",
          "the checkpoint was damaged after it was written");
    }
    ModelDirectory.requireChecksum(
        data, sums, name, location, MANIFEST_FILE, "the checkpoint was written");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Names of the files a checkpoint directory holds when complete. */
  public static Set<String> allFiles() {
    return Set.of(WEIGHTS_FILE, OPTIMIZER_FILE, STATE_FILE, MANIFEST_FILE);
  }
}
