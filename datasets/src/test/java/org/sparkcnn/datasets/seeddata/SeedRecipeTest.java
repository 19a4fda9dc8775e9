package org.sparkcnn.datasets.seeddata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The seed data's recipe matches the PyTorch reference's: golden values printed by numpy 1.24 and
 * torch 1.13 (Debian's python3-numpy, python3-torch) with the one-liners quoted in each test.
 */
class SeedRecipeTest {
  /**
   * {@code for s in [0, 1, 60000]: print(*np.random.default_rng(s).uniform(0.25, 1.0, 3))}: the
   * tints of training images 0 and 1 and of t10k image 0.
   */
  @Test
  void tintsAreNumpysDefaultRngUniformBitForBit() {
    double[][] numpy = {
      {0.7277212654910907, 0.45234003532290273, 0.28073014295214604},
      {0.6338662185251925, 0.9628477722444515, 0.3581197095397253},
      {0.6792346151856101, 0.5743629670940883, 0.5279390665530868}
    };
    long[] seeds = {0, 1, 60000};
    for (int i = 0; i < seeds.length; i++) {
      NumpyRandom r = new NumpyRandom(seeds[i]);
      for (int c = 0; c < 3; c++) {
        assertEquals(numpy[i][c], r.uniform(0.25, 1.0), 0.0, "seed " + seeds[i] + " draw " + c);
      }
    }
  }

  /**
   * {@code F.interpolate(torch.arange(9.).reshape(1, 1, 3, 3), size=(5, 4), mode="bilinear",
   * align_corners=False).flatten().tolist()}.
   */
  @Test
  void upscaleIsTorchBilinearWithHalfPixelCentres() {
    double[] torch = {
      0.0, 0.625, 1.375, 2.0, 1.2000000476837158, 1.8250000476837158, 2.575000047683716,
      3.200000047683716, 3.000000238418579, 3.625, 4.375, 5.0, 4.800000190734863, 5.425000190734863,
      6.175000190734863, 6.8000006675720215, 6.0, 6.625, 7.375, 8.0
    };
    float[] src = new float[9];
    for (int i = 0; i < 9; i++) {
      src[i] = i;
    }
    float[] out = new float[20];
    TorchBilinear.resize(src, 3, 3, out, 5, 4);
    float[] expected = new float[20];
    for (int i = 0; i < 20; i++) {
      expected[i] = (float) torch[i];
    }
    // torch's vectorised kernel may sum in another order: allow one float ulp of 8.
    assertArrayEquals(expected, out, Math.ulp(8f));
  }
}
