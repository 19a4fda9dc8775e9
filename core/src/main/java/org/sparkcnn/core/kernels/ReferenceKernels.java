package org.sparkcnn.core.kernels;

import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.tensor.Window2D;

/**
 * {@link Kernels} on the double-precision reference math: each call widens its float inputs, runs
 * the plain loops of {@link ConvReference}, {@link PoolReference}, {@link DenseReference} or {@link
 * Activation}, and rounds the result once. Slow and allocating by design; it is the oracle the fast
 * kernels are compared with, and the path forced by {@code -Dsparkcnn.kernels=reference}.
 */
public final class ReferenceKernels implements Kernels {
  @Override
  public String name() {
    return "reference";
  }

  /** The composition: the product, then {@link #activationForward} on y. */
  @Override
  public void conv2dForward(
      Window2D g,
      int filters,
      int n,
      float[] x,
      float[] params,
      int kernelOffset,
      int biasOffset,
      Activation a,
      float[] y) {
    double[] out = new double[n * g.outputPixels() * filters];
    ConvReference.forward(
        g,
        filters,
        n,
        inputs(g, n, x),
        widen(params, kernelOffset, kernelSize(g, filters)),
        bias(params, biasOffset, filters),
        out);
    narrow(out, y);
    if (a != Activation.LINEAR) {
      activationForward(a, n * g.outputPixels(), filters, y, y);
    }
  }

  @Override
  public void conv2dBackwardInput(
      Window2D g, int filters, int n, float[] dy, float[] params, int kernelOffset, float[] dx) {
    double[] out = new double[n * g.inputSize()];
    ConvReference.backwardInput(
        g,
        filters,
        n,
        widen(dy, 0, n * g.outputPixels() * filters),
        widen(params, kernelOffset, kernelSize(g, filters)),
        out);
    narrow(out, dx);
  }

  @Override
  public void conv2dBackwardParams(
      Window2D g,
      int filters,
      int n,
      float[] x,
      float[] dy,
      float[] grads,
      int kernelOffset,
      int biasOffset) {
    double[] dKernel = new double[kernelSize(g, filters)];
    double[] dBias = biasOffset < 0 ? null : new double[filters];
    ConvReference.backwardParams(
        g,
        filters,
        n,
        inputs(g, n, x),
        widen(dy, 0, n * g.outputPixels() * filters),
        dKernel,
        dBias);
    accumulate(dKernel, grads, kernelOffset);
    if (dBias != null) {
      accumulate(dBias, grads, biasOffset);
    }
  }

  @Override
  public void maxPool2dForward(Window2D g, int n, float[] x, float[] y) {
    poolForward(g, n, x, y, PoolReference::maxForward);
  }

  @Override
  public void maxPool2dBackward(Window2D g, int n, float[] x, float[] dy, float[] dx) {
    double[] out = new double[n * g.inputSize()];
    PoolReference.maxBackward(g, n, inputs(g, n, x), poolOutputs(g, n, dy), out);
    narrow(out, dx);
  }

  @Override
  public void averagePool2dForward(Window2D g, int n, float[] x, float[] y) {
    poolForward(g, n, x, y, PoolReference::averageForward);
  }

  /** A reference pooling forward pass, on x widened, rounded into y. */
  private interface PoolForward {
    void run(Window2D g, int n, double[] x, double[] y);
  }

  private static void poolForward(Window2D g, int n, float[] x, float[] y, PoolForward pool) {
    double[] out = new double[n * g.outputPixels() * g.channels()];
    pool.run(g, n, inputs(g, n, x), out);
    narrow(out, y);
  }

  @Override
  public void averagePool2dBackward(Window2D g, int n, float[] dy, float[] dx) {
    double[] out = new double[n * g.inputSize()];
    PoolReference.averageBackward(g, n, poolOutputs(g, n, dy), out);
    narrow(out, dx);
  }

  /** The composition: the product, then {@link #activationForward} on y. */
  @Override
  public void denseForward(
      int n,
      int in,
      int out,
      float[] x,
      float[] params,
      int kernelOffset,
      int biasOffset,
      Activation a,
      float[] y) {
    double[] result = new double[n * out];
    DenseReference.forward(
        n,
        in,
        out,
        widen(x, 0, n * in),
        widen(params, kernelOffset, in * out),
        bias(params, biasOffset, out),
        result);
    narrow(result, y);
    if (a != Activation.LINEAR) {
      activationForward(a, n, out, y, y);
    }
  }

  @Override
  public void denseBackwardInput(
      int n, int in, int out, float[] dy, float[] params, int kernelOffset, float[] dx) {
    double[] result = new double[n * in];
    DenseReference.backwardInput(
        n, in, out, widen(dy, 0, n * out), widen(params, kernelOffset, in * out), result);
    narrow(result, dx);
  }

  @Override
  public void denseBackwardParams(
      int n,
      int in,
      int out,
      float[] x,
      float[] dy,
      float[] grads,
      int kernelOffset,
      int biasOffset) {
    double[] dKernel = new double[in * out];
    double[] dBias = biasOffset < 0 ? null : new double[out];
    DenseReference.backwardParams(
        n, in, out, widen(x, 0, n * in), widen(dy, 0, n * out), dKernel, dBias);
    accumulate(dKernel, grads, kernelOffset);
    if (dBias != null) {
      accumulate(dBias, grads, biasOffset);
    }
  }

  @Override
  public void activationForward(Activation a, int rows, int width, float[] x, float[] y) {
    double[] out = new double[rows * width];
    a.forward(rows, width, widen(x, 0, rows * width), out);
    narrow(out, y);
  }

  @Override
  public void activationBackward(
      Activation a, int rows, int width, float[] y, float[] dy, float[] dx) {
    double[] out = new double[rows * width];
    a.backward(rows, width, widen(y, 0, rows * width), widen(dy, 0, rows * width), out);
    narrow(out, dx);
  }

  @Override
  public void multiply(int count, float[] a, float[] b, float[] out) {
    for (int i = 0; i < count; i++) {
      out[i] = a[i] * b[i];
    }
  }

  /** n examples (N, H, W, C) of a 2-D layer's input, widened. */
  private static double[] inputs(Window2D g, int n, float[] x) {
    return widen(x, 0, n * g.inputSize());
  }

  /** n examples (N, OH, OW, C) of a pooling layer's output (or its gradient), widened. */
  private static double[] poolOutputs(Window2D g, int n, float[] y) {
    return widen(y, 0, n * g.outputPixels() * g.channels());
  }

  private static int kernelSize(Window2D g, int filters) {
    return g.kernelH() * g.kernelW() * g.channels() * filters;
  }

  private static double[] bias(float[] params, int offset, int count) {
    return offset < 0 ? null : widen(params, offset, count);
  }

  private static double[] widen(float[] src, int offset, int count) {
    double[] out = new double[count];
    for (int i = 0; i < count; i++) {
      out[i] = src[offset + i];
    }
    return out;
  }

  private static void narrow(double[] src, float[] dst) {
    for (int i = 0; i < src.length; i++) {
      dst[i] = (float) src[i];
    }
  }

  private static void accumulate(double[] src, float[] dst, int offset) {
    for (int i = 0; i < src.length; i++) {
      dst[offset + i] += (float) src[i];
    }
  }
}
