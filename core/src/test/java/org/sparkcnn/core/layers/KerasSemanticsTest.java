package org.sparkcnn.core.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.kernels.ReferenceKernels;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Tensor;
import org.sparkcnn.core.tensor.Window2D;

/** Small hand-checkable cases that pin Keras' (TensorFlow's) semantics. */
class KerasSemanticsTest {

  private static Sequential model(Layer... layers) {
    Sequential m = new Sequential().kernels(new ReferenceKernels());
    for (Layer l : layers) {
      m.add(l);
    }
    return m;
  }

  private static float[] arange(int count) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = i + 1;
    }
    return v;
  }

  @Test
  void samePaddingPutsTheExtraRowAndColumnAtTheBottomRight() {
    // in 4, k 2, s 1: total padding 1 → 0 before, 1 after.
    assertEquals(0, Padding.SAME.padBefore(4, 2, 1));
    // in 5, k 4, s 2: out 3, total padding (3-1)*2 + 4 - 5 = 3 → 1 before, 2 after.
    assertEquals(3, Padding.SAME.outputLength(5, 4, 2));
    assertEquals(1, Padding.SAME.padBefore(5, 4, 2));
    // in 6, k 1, s 2: no padding needed.
    assertEquals(0, Padding.SAME.padBefore(6, 1, 2));

    // 3x3 input 1..9, 2x2 kernel of ones, "same": each output sums its pixel, the one to the
    // right, below, and below-right (TensorFlow pads only the bottom and right here).
    Conv2D conv = new Conv2D(1, 2).padding("same").useBias(false).inputShape(3, 3, 1);
    Sequential m = model(conv);
    Arrays.fill(m.parameters(), 1f);
    Tensor y = m.predict(new Tensor(arange(9), 1, 3, 3, 1), 1);
    assertArrayEquals(new float[] {12, 16, 9, 24, 28, 15, 15, 17, 9}, y.data());
  }

  @Test
  void validPaddingDropsPartialWindows() {
    Window2D g = Window2D.of(Shape.of(7, 6, 1), 3, 3, 2, 2, Padding.VALID);
    assertEquals(3, g.outH()); // floor((7 - 3) / 2) + 1
    assertEquals(2, g.outW()); // floor((6 - 3) / 2) + 1
    assertEquals(0, g.padTop());
  }

  @Test
  void maxPoolTiesSendTheGradientToTheFirstMaximum() {
    ReferenceKernels k = new ReferenceKernels();
    Window2D g = Window2D.of(Shape.of(2, 2, 1), 2, 2, 2, 2, Padding.VALID);
    float[] dx = new float[4];
    k.maxPool2dBackward(g, 1, new float[] {3, 3, 3, 3}, new float[] {1.5f}, dx);
    assertArrayEquals(new float[] {1.5f, 0, 0, 0}, dx);
    k.maxPool2dBackward(g, 1, new float[] {1, 3, 2, 3}, new float[] {1.5f}, dx);
    assertArrayEquals(new float[] {0, 1.5f, 0, 0}, dx);
  }

  @Test
  void samePoolingIgnoresPaddingAtTheEdges() {
    // 3x3 input, pool 2 stride 2 "same": windows {0,1}x{0,1}, {0,1}x{2}, {2}x{0,1}, {2}x{2}.
    float[] x = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
    Sequential max = model(new MaxPooling2D(2).padding("same").inputShape(3, 3, 1));
    assertArrayEquals(
        new float[] {-1, -3, -7, -9},
        max.predict(new Tensor(x, 1, 3, 3, 1), 1).data(),
        "padding must not act as 0");
    Sequential avg = model(new AveragePooling2D(2).padding("same").inputShape(3, 3, 1));
    assertArrayEquals(
        new float[] {-3, -4.5f, -7.5f, -9},
        avg.predict(new Tensor(x, 1, 3, 3, 1), 1).data(),
        "average over valid elements only");

    // Backward of "same" average pooling: the corner output's window holds one element.
    ReferenceKernels k = new ReferenceKernels();
    Window2D g = Window2D.of(Shape.of(3, 3, 1), 2, 2, 2, 2, Padding.SAME);
    float[] dx = new float[9];
    k.averagePool2dBackward(g, 1, new float[] {4, 2, 2, 1}, dx);
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, dx);
  }

  @Test
  void flattenIsHeightWidthChannelOrder() {
    // Dense with a one-hot kernel column picks one flattened element: (h=1, w=0, c=2) of a
    // (2, 2, 3) input is element (1*2 + 0)*3 + 2 = 8.
    Dense pick = new Dense(1).useBias(false);
    Sequential m = model(new Flatten().inputShape(2, 2, 3), pick);
    Arrays.fill(m.parameters(), 0f);
    m.parameters()[8] = 1f;
    float[] x = new float[12];
    x[8] = 42; // the value at [0, 1, 0, 2] in row-major (N, H, W, C)
    assertEquals(42f, m.predict(new Tensor(x, 1, 2, 2, 3), 1).data()[0]);
    assertEquals(Shape.of(12), m.layers().get(0).outputShape());
  }

  @Test
  void dropoutScalesKeptUnitsAndIsTheIdentityInInference() {
    Dropout d = new Dropout(0.25);
    d.build("dropout", Shape.of(10_000));
    float[] x = new float[10_000];
    Arrays.fill(x, 1f);
    float[] y = new float[x.length];
    float[] mask = new float[x.length];
    LayerCall step =
        new LayerCall().pass(new ReferenceKernels(), null, null, 1, new StepContext(true, 5, null));
    d.forward(step.forward(0, mask, x, y));
    int kept = 0;
    double sum = 0;
    for (float v : y) {
      assertTrue(v == 0f || v == 1f / 0.75f, "kept units are scaled by 1/(1-rate); got " + v);
      kept += v == 0f ? 0 : 1;
      sum += v;
    }
    // 10,000 Bernoulli(0.75) draws: standard deviation 43, so +-250 is ~6 sigma.
    assertEquals(7500, kept, 250);
    assertEquals(1.0, sum / x.length, 0.04);
    assertTrue(d.isIdentity(false));
    float[] again = new float[x.length];
    d.forward(step.forward(0, mask, x, again));
    assertArrayEquals(y, again, "the same step seed and example ids give the same mask");
  }

  @Test
  void initializersHaveKerasScales() {
    float[] w = new float[20_000];
    Random r = new Random(1);
    // Dense(100 -> 200): limit sqrt(6 / 300).
    Initializer.GLOROT_UNIFORM.fill(w, 0, w.length, 100, 200, r);
    double limit = Math.sqrt(6.0 / 300);
    double max = 0;
    double sq = 0;
    for (float v : w) {
      max = Math.max(max, Math.abs(v));
      sq += v * v;
    }
    assertTrue(max <= limit && max > 0.99 * limit);
    assertEquals(limit * limit / 3, sq / w.length, 0.03 * limit * limit / 3);
    Initializer.HE_NORMAL.fill(w, 0, w.length, 50, 0, r);
    sq = 0;
    max = 0;
    for (float v : w) {
      sq += v * v;
      max = Math.max(max, Math.abs(v));
    }
    assertEquals(2.0 / 50, sq / w.length, 0.04 * 2.0 / 50, "variance 2 / fan_in");
    assertTrue(max <= 2 * Math.sqrt(2.0 / 50) / 0.87962566103423978 + 1e-6, "truncated at 2 sd");
  }
}
