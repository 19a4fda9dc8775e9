package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SummaryTest {

  @Test
  void seedModelHasKerasParameterCounts() {
    Sequential m = SeedModels.fashionMnist(64);
    assertEquals(121_930, m.paramCount());
    String s = m.summary();
    assertTrue(s.contains("Total params: 121,930"), s);
    assertTrue(s.contains("conv2d (Conv2D)"), s);
    assertTrue(s.contains("(None, 26, 26, 32)"), s);
    assertTrue(s.contains("conv2d_1 (Conv2D)"), s);
    assertTrue(s.contains("(None, 11, 11, 64)"), s);
    assertTrue(s.contains("max_pooling2d_1 (MaxPooling2D)"), s);
    assertTrue(s.contains("(None, 1600)"), s);
    assertTrue(s.contains("dense_1 (Dense)"), s);
    assertTrue(s.matches("(?s).*conv2d_1 \\(Conv2D\\)\\s+\\(None, 11, 11, 64\\)\\s+18,496.*"), s);
    assertEquals(225_034, SeedModels.fashionMnist(128).paramCount());
  }
}
