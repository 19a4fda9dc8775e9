package org.sparkcnn.core.layers;

import org.sparkcnn.core.kernels.Kernels;

/**
 * What one layer's {@link Layer#forward} or {@link Layer#backward} works on: the kernels, the
 * model's flat weights (and gradients) with this layer's offset into them, the batch size, the
 * step, and the layer's buffers. The model keeps one per thread and points it at each layer in turn
 * ({@link #pass} once per pass, then {@link #forward} or {@link #backward} per layer), so a pass
 * allocates nothing.
 *
 * <p>forward reads {@link #x} and overwrites {@link #y}; backward reads {@link #x} and {@link #dy},
 * adds into {@link #grads} and overwrites {@link #dx}, which is null when the caller does not need
 * it (the first layer during training).
 */
public final class LayerCall {
  private Kernels kernels;
  private float[] params;
  private float[] grads;
  private int n;
  private StepContext step;
  private int offset;
  private float[] scratch;
  private float[] x;
  private float[] y;
  private float[] dy;
  private float[] dx;

  /**
   * Starts a pass over n examples; grads is null in a forward pass, step null in a backward one.
   */
  public LayerCall pass(Kernels kernels, float[] params, float[] grads, int n, StepContext step) {
    this.kernels = kernels;
    this.params = params;
    this.grads = grads;
    this.n = n;
    this.step = step;
    return this;
  }

  /** Points this call at a layer's forward: its weights from offset, its scratch, x in, y out. */
  public LayerCall forward(int offset, float[] scratch, float[] x, float[] y) {
    return at(offset, scratch, x, y, null, null);
  }

  /** Points this call at a layer's backward: x its forward input, dy in, dx out (or null). */
  public LayerCall backward(int offset, float[] scratch, float[] x, float[] dy, float[] dx) {
    return at(offset, scratch, x, null, dy, dx);
  }

  private LayerCall at(int offset, float[] scratch, float[] x, float[] y, float[] dy, float[] dx) {
    this.offset = offset;
    this.scratch = scratch;
    this.x = x;
    this.y = y;
    this.dy = dy;
    this.dx = dx;
    return this;
  }

  public Kernels kernels() {
    return kernels;
  }

  /** The model's flat weights; this layer's start at {@link #offset}. */
  public float[] params() {
    return params;
  }

  /** The model's flat gradient sums, same layout as {@link #params}; null in a forward pass. */
  public float[] grads() {
    return grads;
  }

  public int offset() {
    return offset;
  }

  /** Examples in the batch. */
  public int n() {
    return n;
  }

  /** The training flag and randomness of this step; null in a backward pass. */
  public StepContext step() {
    return step;
  }

  /** Per-example scratch the layer asked for ({@link Layer#scratchPerExample}), or null. */
  public float[] scratch() {
    return scratch;
  }

  /** The layer's input, n examples. */
  public float[] x() {
    return x;
  }

  /** forward's output, n examples. */
  public float[] y() {
    return y;
  }

  /** backward's incoming gradient, shaped like y. */
  public float[] dy() {
    return dy;
  }

  /** backward's output gradient, shaped like x; null when not needed. */
  public float[] dx() {
    return dx;
  }
}
