package org.sparkcnn.spark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a distributed gradient is compared with the single-JVM one. */
public final class GradientAsserts {
  private GradientAsserts() {}

  /**
   * Equal to float rounding: the distributed sum adds partial sums, the single JVM adds per example
   * in one pass, so each coordinate may differ by a few float ulps of the magnitudes summed; we
   * bound it by 1e-5 of the gradient's largest coordinate. An all-zero expected gradient fails.
   */
  public static void assertClose(float[] expected, float[] actual, String what) {
    float max = 0;
    for (float v : expected) {
      max = Math.max(max, Math.abs(v));
    }
    assertTrue(max > 0, "the gradient must not be all zero");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5f * max, what + " coordinate " + i);
    }
  }
}
