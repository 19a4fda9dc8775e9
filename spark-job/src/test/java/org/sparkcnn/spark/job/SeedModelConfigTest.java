package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.model.SeedModels;
import org.sparkcnn.core.model.Sequential;

/**
 * conf/models/fashion-mnist-cnn.json, the model conf/fashion-mnist.json trains, is the seed CNN
 * that the tests, benchmarks and the ONNX export check build in code ({@link
 * SeedModels#fashionMnist()}): the same layers with the same settings and shapes, the same
 * parameter count and, for the same seed, the same initial weights. (SeedModels builds no binary or
 * rgb64 model, so conf/models/binary-cnn.json and rgb64-cnn.json have no counterpart in code.)
 */
class SeedModelConfigTest {

  @Test
  void fashionMnistConfigBuildsTheSeedModel() throws IOException {
    Path file = Path.of("../conf/models/fashion-mnist-cnn.json");
    Sequential fromConfig = ModelSpec.fromJson(Files.readString(file), file.toString());
    Sequential inCode = SeedModels.fashionMnist();

    assertEquals(121_930, fromConfig.paramCount());
    assertEquals(inCode.summary(), fromConfig.summary());
    assertEquals(ModelSpec.toJson(inCode), ModelSpec.toJson(fromConfig));
    assertArrayEquals(inCode.seed(7).parameters(), fromConfig.seed(7).parameters());
  }
}
