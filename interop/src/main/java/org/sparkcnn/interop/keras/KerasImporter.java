package org.sparkcnn.interop.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.exceptions.HdfException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.InvalidModelFileException;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonFields;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.io.Safetensors;
import org.sparkcnn.core.io.TensorData;
import org.sparkcnn.core.io.WeightsFile;
import org.sparkcnn.core.model.Sequential;

/**
 * Reads a Keras model into a {@link Sequential} with its weights. The kind of file is told by its
 * first bytes, not its name:
 *
 * <ul>
 *   <li>a {@code .keras} archive (zip): {@code config.json} (the spec) + {@code model.weights.h5};
 *   <li>a legacy {@code .h5} file: a {@code model_config} attribute + {@code model_weights};
 *   <li>a {@code model.to_json()} spec, with the weights given apart: safetensors (Keras 2 layer
 *       names or Keras 3 variable paths), a Keras 3 {@code .weights.h5} or a legacy {@code .h5}.
 * </ul>
 */
public final class KerasImporter {
  static final String SUPPORTED =
      "a .keras archive (zip of config.json and model.weights.h5), a legacy Keras .h5 file"
          + " (model.save(\"m.h5\")), or model.to_json() JSON with --weights";

  private static final byte[] ZIP = {'P', 'K', 3, 4};
  private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  private static final long MAX_JSON_BYTES = 16L << 20;
  private static final long MAX_WEIGHTS_BYTES = Integer.MAX_VALUE - 8;
  private static final Charset UTF8 = StandardCharsets.UTF_8;

  /** The model, and facts for the model directory's record (source, format, Keras version). */
  public record Imported(Sequential model, Map<String, Object> facts) {}

  private KerasImporter() {}

  /**
   * @param input a .keras, .h5 or .json file
   * @param weights the weights of a JSON spec, else null
   */
  public static Imported read(Path input, Path weights) throws IOException {
    String source = input.toString();
    byte[] head = head(input);
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("imported_from", input.getFileName().toString());
    Sequential model;
    if (startsWith(head, ZIP)) {
      refuseWeights(weights, "a .keras archive");
      facts.put("format", "keras archive");
      model = archive(input, facts);
    } else if (startsWith(head, HDF5)) {
      refuseWeights(weights, "a legacy .h5 model");
      facts.put("format", "keras h5");
      model = legacyH5(input, facts);
    } else if (isJson(head)) {
      if (weights == null) {
        throw new InvalidModelFileException(
            source,
            "a JSON spec holds no weights",
            "model.to_json() JSON and no --weights",
            "--weights W.safetensors, W.weights.h5 or W.h5",
            "save the weights with model.save_weights(\"w.weights.h5\"), or import the .keras file");
      }
      facts.put("format", "keras json");
      facts.put("weights_from", weights.getFileName().toString());
      model = ModelSpec.fromJson(text(input, MAX_JSON_BYTES), source);
      loadWeights(model, weights);
    } else {
      throw new InvalidModelFileException(
          source,
          "not a Keras model file",
          "a file starting with bytes " + HexFormat.ofDelimiter(" ").formatHex(head),
          SUPPORTED,
          "TensorFlow SavedModel directories, .pb and .onnx files are not supported; in Keras 3"
              + " save with model.save(\"model.keras\")");
    }
    return new Imported(model, facts);
  }

  /** Loads weights from safetensors or either HDF5 layout, checking every name and shape. */
  public static void loadWeights(Sequential model, Path weights) throws IOException {
    String source = weights.toString();
    byte[] head = head(weights);
    Map<String, TensorData> tensors;
    if (startsWith(head, HDF5)) {
      tensors = hdf5(weights, model, source);
    } else if (head.length > 8 && head[8] == '{') {
      long size = Files.size(weights);
      try (InputStream in = Files.newInputStream(weights)) {
        tensors = Safetensors.read(in, size, source).tensors();
      }
    } else {
      throw new InvalidModelFileException(
          source,
          "not a weights file",
          "a file starting with bytes " + HexFormat.ofDelimiter(" ").formatHex(head),
          "safetensors, a Keras 3 .weights.h5 or a legacy Keras .h5 file",
          null);
    }
    WeightsFile.loadInto(model, tensors, source);
  }

  private static Sequential archive(Path input, Map<String, Object> facts) throws IOException {
    String source = input.toString();
    try (ZipFile zip = new ZipFile(input.toFile())) {
      byte[] config = entry(zip, "config.json", MAX_JSON_BYTES, source);
      byte[] weights = entry(zip, "model.weights.h5", MAX_WEIGHTS_BYTES, source);
      if (zip.getEntry("metadata.json") != null) {
        Map<String, Object> meta =
            Json.parseObject(
                new String(entry(zip, "metadata.json", MAX_JSON_BYTES, source), UTF8),
                source + "!metadata.json");
        facts.put(
            "keras_version",
            JsonFields.getOptionalString(meta, "keras_version", "metadata.json", null));
      }
      String configText = new String(config, StandardCharsets.UTF_8);
      Sequential model = ModelSpec.fromJson(configText, source + "!config.json");
      String weightsSource = source + "!model.weights.h5";
      try (HdfFile h5 = HdfFile.fromBytes(weights)) {
        WeightsFile.loadInto(model, H5Weights.read(h5, model, weightsSource), weightsSource);
      } catch (HdfException e) {
        throw damaged(weightsSource, e);
      }
      KerasCompileSettings.apply(
          model,
          optionalObject(Json.parseObject(configText, source + "!config.json"), "compile_config"),
          facts);
      return model;
    } catch (ZipException e) {
      throw new InvalidModelFileException(
          source, "unreadable .keras archive", e.getMessage(), "a zip file", null);
    }
  }

  private static Sequential legacyH5(Path input, Map<String, Object> facts) throws IOException {
    String source = input.toString();
    try (HdfFile h5 = new HdfFile(input)) {
      Attribute config = h5.getAttribute("model_config");
      if (config == null) {
        throw new InvalidModelFileException(
            source,
            "an HDF5 file without a model config",
            "attributes " + h5.getAttributes().keySet(),
            "a model_config attribute (model.save(\"m.h5\")) or a .keras archive",
            H5Weights.isWeights(h5)
                ? "this file holds weights only: pass the spec as --input model.json and this"
                    + " file as --weights"
                : "save the model with Keras' model.save()");
      }
      Attribute version = h5.getAttribute("keras_version");
      if (version != null) {
        facts.put("keras_version", String.valueOf(version.getData()));
      }
      Sequential model =
          ModelSpec.fromJson(
              H5Weights.strings(config, "model_config", source).get(0), source + " model_config");
      WeightsFile.loadInto(model, H5Weights.read(h5, model, source), source);
      Attribute training = h5.getAttribute("training_config");
      if (training != null) {
        KerasCompileSettings.apply(
            model,
            Json.parseObject(
                H5Weights.strings(training, "training_config", source).get(0),
                source + " training_config"),
            facts);
      }
      return model;
    } catch (HdfException e) {
      throw damaged(source, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> optionalObject(Map<String, Object> root, String key) {
    return root.get(key) instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  private static Map<String, TensorData> hdf5(Path file, Sequential model, String source)
      throws IOException {
    try (HdfFile h5 = new HdfFile(file)) {
      return H5Weights.read(h5, model, source);
    } catch (HdfException e) {
      throw damaged(source, e);
    }
  }

  private static byte[] entry(ZipFile zip, String name, long limit, String source)
      throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      throw new InvalidModelFileException(
          source,
          "not a Keras 3 archive",
          "no " + name + " (entries: " + zip.stream().map(ZipEntry::getName).toList() + ")",
          "config.json and model.weights.h5",
          "save with Keras 3's model.save(\"model.keras\")");
    }
    try (InputStream in = zip.getInputStream(e)) {
      byte[] data = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
      if (data.length > limit) {
        throw new InvalidModelFileException(
            source, name + " too large", "more than " + limit + " bytes", "at most " + limit, null);
      }
      return data;
    }
  }

  private static String text(Path file, long limit) throws IOException {
    long size = Files.size(file);
    if (size > limit) {
      throw new InvalidModelFileException(
          file.toString(), "file too large", size + " bytes", "at most " + limit + " bytes", null);
    }
    return Files.readString(file, UTF8);
  }

  private static byte[] head(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new InvalidModelFileException(
          file.toString(),
          Files.isDirectory(file) ? "a directory, not a model file" : "no such file",
          file.toString(),
          SUPPORTED,
          Files.isDirectory(file)
              ? "TensorFlow SavedModel directories are not supported; in Keras 3 save with"
                  + " model.save(\"model.keras\")"
              : null);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(16);
    }
  }

  private static boolean startsWith(byte[] head, byte[] magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (head[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean isJson(byte[] head) {
    for (byte b : head) {
      if (b == '{') {
        return true;
      }
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return false;
  }

  private static void refuseWeights(Path weights, String what) throws InvalidModelFileException {
    if (weights != null) {
      throw new InvalidModelFileException(
          weights.toString(),
          "--weights given with " + what + ", which holds its own weights",
          "--weights " + weights,
          "no --weights",
          "--weights goes with a JSON spec only");
    }
  }

  private static InvalidModelFileException damaged(String source, HdfException e) {
    return new InvalidModelFileException(
        source
            + ": "
            + ErrorText.of("unreadable HDF5 file", e.getMessage(), "HDF5 as h5py writes it", null),
        e);
  }
}
