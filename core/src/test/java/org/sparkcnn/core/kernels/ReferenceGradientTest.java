package org.sparkcnn.core.kernels;

import static org.sparkcnn.core.testing.GradientCheck.checkThrough;
import static org.sparkcnn.core.testing.GradientCheck.random;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * Finite-difference checks, in double precision, of the reference convolution, pooling and dense
 * math with respect to inputs and parameters, on awkward shapes: odd sizes, stride 2, both
 * paddings, several channels, batch > 1. The objective is L = sum(r * y) for a random r, so dL/dy =
 * r is the upstream gradient fed to backward.
 */
class ReferenceGradientTest {

  static Stream<Arguments> windows() {
    return Stream.of(
        // n, h, w, c, kh, kw, sh, sw, padding, filters
        Arguments.of(2, 5, 7, 3, 3, 3, 1, 1, Padding.VALID, 4),
        Arguments.of(2, 5, 7, 3, 3, 3, 1, 1, Padding.SAME, 2),
        Arguments.of(3, 7, 6, 2, 3, 2, 2, 2, Padding.SAME, 3),
        Arguments.of(2, 7, 7, 1, 3, 3, 2, 2, Padding.VALID, 2),
        Arguments.of(1, 4, 5, 5, 2, 2, 2, 1, Padding.SAME, 1),
        Arguments.of(2, 6, 5, 2, 4, 4, 3, 2, Padding.SAME, 2));
  }

  private static Window2D window(int h, int w, int c, int kh, int kw, int sh, int sw, Padding p) {
    return Window2D.of(Shape.of(h, w, c), kh, kw, sh, sw, p);
  }

  @ParameterizedTest(name = "conv n={0} {1}x{2}x{3} k={4}x{5} s={6}x{7} {8} f={9}")
  @MethodSource("windows")
  void convolution(
      int n, int h, int w, int c, int kh, int kw, int sh, int sw, Padding p, int filters) {
    Window2D g = window(h, w, c, kh, kw, sh, sw, p);
    double[] x = random(n * g.inputSize(), 1);
    double[] kernel = random(kh * kw * c * filters, 2);
    double[] bias = random(filters, 3);
    int outSize = n * g.outputPixels() * filters;
    double[] r = random(outSize, 4);

    double[] dx = new double[x.length];
    double[] dKernel = new double[kernel.length];
    double[] dBias = new double[bias.length];
    ConvReference.backwardInput(g, filters, n, r, kernel, dx);
    ConvReference.backwardParams(g, filters, n, x, r, dKernel, dBias);

    double[] y = new double[outSize];
    checkThrough(
        "conv dx", x, dx, r, y, v -> ConvReference.forward(g, filters, n, v, kernel, bias, y));
    checkThrough(
        "conv dKernel",
        kernel,
        dKernel,
        r,
        y,
        v -> ConvReference.forward(g, filters, n, x, v, bias, y));
    checkThrough(
        "conv dBias",
        bias,
        dBias,
        r,
        y,
        v -> ConvReference.forward(g, filters, n, x, kernel, v, y));
  }

  @ParameterizedTest(name = "pool n={0} {1}x{2}x{3} k={4}x{5} s={6}x{7} {8}")
  @MethodSource("windows")
  void maxPooling(
      int n, int h, int w, int c, int kh, int kw, int sh, int sw, Padding p, int unused) {
    Window2D g = window(h, w, c, kh, kw, sh, sw, p);
    // Distinct values spaced far wider than the step h, so no perturbation changes a window's max.
    double[] x = distinct(n * g.inputSize(), 5);
    double[] r = random(n * g.outputPixels() * c, 6);
    double[] dx = new double[x.length];
    PoolReference.maxBackward(g, n, x, r, dx);
    double[] y = new double[r.length];
    checkThrough("max pool dx", x, dx, r, y, v -> PoolReference.maxForward(g, n, v, y));
  }

  @ParameterizedTest(name = "avg pool n={0} {1}x{2}x{3} k={4}x{5} s={6}x{7} {8}")
  @MethodSource("windows")
  void averagePooling(
      int n, int h, int w, int c, int kh, int kw, int sh, int sw, Padding p, int unused) {
    Window2D g = window(h, w, c, kh, kw, sh, sw, p);
    double[] x = random(n * g.inputSize(), 7);
    double[] r = random(n * g.outputPixels() * c, 8);
    double[] dx = new double[x.length];
    PoolReference.averageBackward(g, n, r, dx);
    double[] y = new double[r.length];
    checkThrough("average pool dx", x, dx, r, y, v -> PoolReference.averageForward(g, n, v, y));
  }

  @ParameterizedTest(name = "dense n={0} in={1} out={2}")
  @MethodSource("denseSizes")
  void dense(int n, int in, int out) {
    double[] x = random(n * in, 9);
    double[] kernel = random(in * out, 10);
    double[] bias = random(out, 11);
    double[] r = random(n * out, 12);
    double[] dx = new double[x.length];
    double[] dKernel = new double[kernel.length];
    double[] dBias = new double[out];
    DenseReference.backwardInput(n, in, out, r, kernel, dx);
    DenseReference.backwardParams(n, in, out, x, r, dKernel, dBias);
    double[] y = new double[n * out];
    checkThrough(
        "dense dx", x, dx, r, y, v -> DenseReference.forward(n, in, out, v, kernel, bias, y));
    checkThrough(
        "dense dKernel",
        kernel,
        dKernel,
        r,
        y,
        v -> DenseReference.forward(n, in, out, x, v, bias, y));
    checkThrough(
        "dense dBias", bias, dBias, r, y, v -> DenseReference.forward(n, in, out, x, kernel, v, y));
  }

  static Stream<Arguments> denseSizes() {
    return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 7, 5), Arguments.of(5, 13, 2));
  }

  /** A random permutation of 0.01, 0.02, ...: distinct, at least 0.01 apart. */
  static double[] distinct(int count, long seed) {
    double[] v = new double[count];
    Random r = new Random(seed);
    for (int i = 0; i < count; i++) {
      v[i] = (i + 1) * 0.01 - count * 0.005;
    }
    for (int i = count - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      double t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    return v;
  }
}
