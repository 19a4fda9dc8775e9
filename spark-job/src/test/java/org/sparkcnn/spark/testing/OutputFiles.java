package org.sparkcnn.spark.testing;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.model.Sequential;

/** What a training output publishes (relative path → bytes), as OutputDirectory.publish takes. */
public final class OutputFiles {
  private OutputFiles() {}

  /** {@code model/…} of {@code model}, {@code metrics.json} holding {@code metrics}, a config. */
  public static Map<String, byte[]> of(Sequential model, String metrics) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> f :
        ModelDirectory.encode(model, ModelInfo.defaults()).entrySet()) {
      files.put("model/" + f.getKey(), f.getValue());
    }
    files.put("metrics.json", metrics.getBytes(StandardCharsets.UTF_8));
    files.put("config.json", "{}\n".getBytes(StandardCharsets.UTF_8));
    return files;
  }
}
