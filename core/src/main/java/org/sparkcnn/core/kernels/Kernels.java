package org.sparkcnn.core.kernels;

import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.tensor.Window2D;

/**
 * The hot loops of the engine, on flat float arrays. Layers call these and never index tensors
 * themselves, so a faster implementation can replace {@link ReferenceKernels} without touching any
 * layer. Parameters are read from, and gradients added into, the model's flat arrays at the given
 * offsets; a bias offset of -1 means "no bias".
 *
 * <p>Contract for every implementation: "forward" and "backwardInput" overwrite their output;
 * "backwardParams" adds into the gradient array (gradients of several batches are summed). Shapes
 * follow {@link Window2D}'s letters; x and y hold n examples each, starting at index 0.
 * Implementations are stateless or thread-confined: one instance may be used by several threads at
 * once.
 */
public interface Kernels {
  /** A short name for logs, e.g. "reference" or "vector-512". */
  String name();

  /**
   * y (N, OH, OW, F) = a(conv(x (N, H, W, C), kernel (KH, KW, C, F)) + bias (F)): the product, then
   * activationForward on y ({@link Activation#LINEAR} for the product alone). Fast kernels fuse
   * relu into the product's store, saving a pass over the largest activations of a CNN.
   */
  void conv2dForward(
      Window2D g,
      int filters,
      int n,
      float[] x,
      float[] params,
      int kernelOffset,
      int biasOffset,
      Activation a,
      float[] y);

  /** dx (N, H, W, C) from dy (N, OH, OW, F). */
  void conv2dBackwardInput(
      Window2D g, int filters, int n, float[] dy, float[] params, int kernelOffset, float[] dx);

  /** grads[kernel] += x (*) dy; grads[bias] += sum of dy over N, OH, OW. */
  void conv2dBackwardParams(
      Window2D g,
      int filters,
      int n,
      float[] x,
      float[] dy,
      float[] grads,
      int kernelOffset,
      int biasOffset);

  /** y (N, OH, OW, C) = max over each window of x (N, H, W, C). */
  void maxPool2dForward(Window2D g, int n, float[] x, float[] y);

  /** dx: each dy goes to the first maximum of its window; overwrites dx. */
  void maxPool2dBackward(Window2D g, int n, float[] x, float[] dy, float[] dx);

  /**
   * maxPool2dBackward, then relu's backward, for a pool whose input x is the output of a relu: dx =
   * (x > 0) * maxPool2dBackward(dy). Fast kernels mask dy as they route it, saving a pass over the
   * pool's input (the largest activations of a CNN).
   */
  default void maxPool2dBackwardRelu(Window2D g, int n, float[] x, float[] dy, float[] dx) {
    maxPool2dBackward(g, n, x, dy, dx);
    activationBackward(Activation.RELU, n * g.inH() * g.inW(), g.channels(), x, dx, dx);
  }

  /** y = mean over the input positions inside each window. */
  void averagePool2dForward(Window2D g, int n, float[] x, float[] y);

  /** dx: each dy spread evenly over the input positions of its window; overwrites dx. */
  void averagePool2dBackward(Window2D g, int n, float[] dy, float[] dx);

  /**
   * y (N, O) = a(x (N, I) kernel (I, O) + bias (O)): the product, then activationForward on y
   * ({@link Activation#LINEAR} for the product alone); fast kernels fuse relu into the store.
   */
  void denseForward(
      int n,
      int in,
      int out,
      float[] x,
      float[] params,
      int kernelOffset,
      int biasOffset,
      Activation a,
      float[] y);

  /** dx (N, I) = dy (N, O) kernel^T. */
  void denseBackwardInput(
      int n, int in, int out, float[] dy, float[] params, int kernelOffset, float[] dx);

  /** grads[kernel] += x^T dy; grads[bias] += sum of dy over N. */
  void denseBackwardParams(
      int n,
      int in,
      int out,
      float[] x,
      float[] dy,
      float[] grads,
      int kernelOffset,
      int biasOffset);

  /** y = f(x) over {@code rows} rows of {@code width} (softmax normalises each row). */
  void activationForward(Activation a, int rows, int width, float[] x, float[] y);

  /** dx = f'(x) dy, from the forward output y. */
  void activationBackward(Activation a, int rows, int width, float[] y, float[] dy, float[] dx);

  /** out[i] = a[i] * b[i] for i in [0, count): dropout's mask, forward and backward. */
  void multiply(int count, float[] a, float[] b, float[] out);
}
