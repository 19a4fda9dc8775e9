package org.sparkcnn.interop.keras;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.layers.ParamSpec;
import org.sparkcnn.core.model.Sequential;

/**
 * A {@code .keras} archive as Keras 3 writes it: a zip of {@code metadata.json}, {@code
 * config.json} (our Keras 3 spec) and {@code model.weights.h5} in Keras 3's layout ({@code
 * layers/<snake_case class>[_k]/vars/<i>}, see {@link H5Weights}), the HDF5 written by jhdf.
 */
public final class KerasArchiveWriter {
  /** The Keras version whose layout we write (the one the fixtures were made with). */
  static final String KERAS_VERSION = "3.15.1";

  private KerasArchiveWriter() {}

  public static byte[] encode(Sequential model) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("keras_version", KERAS_VERSION);
      meta.put("date_saved", LocalDateTime.now().toString());
      put(zip, "metadata.json", Json.writeCompact(meta).getBytes(StandardCharsets.UTF_8));
      put(zip, "config.json", ModelSpec.toJson(model).getBytes(StandardCharsets.UTF_8));
      put(zip, "model.weights.h5", weights(model));
    }
    return bytes.toByteArray();
  }

  private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(data);
    zip.closeEntry();
  }

  /** jhdf writes to a path only: a temporary file, read back and deleted. */
  private static byte[] weights(Sequential model) throws IOException {
    Path tmp = Files.createTempFile("spark-cnn-", ".weights.h5");
    try {
      float[] params = model.parameters();
      try (WritableHdfFile h5 = HdfFile.write(tmp)) {
        WritableGroup layers = h5.putGroup("layers");
        Map<String, Integer> counters = new HashMap<>();
        for (Layer l : model.layers()) {
          int k = counters.merge(l.defaultNamePrefix(), 1, Integer::sum) - 1;
          WritableGroup vars =
              layers.putGroup(l.defaultNamePrefix() + (k == 0 ? "" : "_" + k)).putGroup("vars");
          List<ParamSpec> p = l.params();
          int base = model.offsetOf(l);
          for (int i = 0; i < p.size(); i++) {
            vars.putDataset(Integer.toString(i), nest(params, base + p.get(i).offset(), p.get(i)));
          }
        }
      }
      return Files.readAllBytes(tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A slice of the flat array as the nested float[]..[] jhdf writes with the tensor's shape. */
  private static Object nest(float[] flat, int offset, ParamSpec p) {
    Object array = Array.newInstance(float.class, p.shape());
    fill(array, flat, new int[] {offset});
    return array;
  }

  private static void fill(Object array, float[] flat, int[] cursor) {
    if (array instanceof float[] row) {
      System.arraycopy(flat, cursor[0], row, 0, row.length);
      cursor[0] += row.length;
      return;
    }
    for (int i = 0; i < Array.getLength(array); i++) {
      fill(Array.get(array, i), flat, cursor);
    }
  }
}
