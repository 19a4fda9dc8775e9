package org.sparkcnn.core.model;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.layers.LayerCall;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.losses.Loss;
import org.sparkcnn.core.metrics.Accuracy;

/**
 * One thread's buffers for forward and backward passes over a model's plan, sized for the largest
 * batch seen and reused, so steady-state steps allocate nothing. The passes run the steps that
 * {@link Passes} planned once for the model (which nodes are fused, which pass their input on).
 *
 * <p>Order of calls per batch: {@link #forward}, {@link #loss}, then in training {@link #backward}.
 * Activations are kept per node for backward; identity nodes (Flatten, Dropout in inference) reuse
 * their input array instead of copying it.
 *
 * <p>Buffers are allocated on first use, not all at once: a layer whose activation is fused into
 * its kernel never writes its own output, and inference never needs the two gradient buffers. On
 * the seed model at batch 256 that is ~70 MiB per scoring thread never allocated.
 */
final class Workspace {
  private final List<Node> plan;
  private final Passes passes;
  private final int inputSize;
  private final int targetWidth;
  private int capacity;
  private boolean lastTraining;
  private float[][] outputs;
  private float[][] scratch;
  private final float[][] used;
  private float[] gradA;
  private float[] gradB;

  /** Floats per example of the largest activation (or input): the gradient buffers' width. */
  private int largest;

  private double[] lossIn;
  private double[] lossTargets;
  private double[] lossGrad;

  /** Per node {forward, backward} time counters, when {@link LayerTimes} is enabled. */
  private final LongAdder[][] times;

  private final LongAdder[] lossTime;

  /** Pointed at each layer in turn by forward and backward. */
  private final LayerCall call = new LayerCall();

  /** Per-thread batch buffers the trainer gathers examples into. */
  float[] batchX;

  float[] batchY;
  long[] batchIds;

  Workspace(List<Node> plan, Passes passes, int inputSize, int targetWidth) {
    this.plan = plan;
    this.passes = passes;
    this.inputSize = inputSize;
    this.targetWidth = targetWidth;
    this.used = new float[plan.size()][];
    this.times = new LongAdder[plan.size()][];
    this.lossTime = LayerTimes.ENABLED ? LayerTimes.counters("loss") : null;
    String previous = "";
    for (int i = 0; i < plan.size() && LayerTimes.ENABLED; i++) {
      Node node = plan.get(i);
      previous =
          node.isActivation()
              ? previous + "." + node.activation().kerasName()
              : node.layer().name();
      times[i] = LayerTimes.counters(previous);
    }
  }

  /** Grows the buffers to hold n examples; a no-op once they are large enough. */
  void ensureCapacity(int n) {
    if (n <= capacity) {
      return;
    }
    capacity = n;
    outputs = new float[plan.size()][];
    scratch = new float[plan.size()][];
    largest = inputSize;
    for (int i = 0; i < plan.size(); i++) {
      Node node = plan.get(i);
      largest = Math.max(largest, node.output().size());
      if (node.layer() != null && node.layer().scratchPerExample() > 0) {
        scratch[i] = new float[n * node.layer().scratchPerExample()];
      }
    }
    gradA = null;
    gradB = null;
    int width = plan.get(plan.size() - 1).output().size();
    lossIn = new double[n * width];
    lossGrad = new double[n * width];
    lossTargets = new double[n * targetWidth];
    batchX = new float[n * inputSize];
    batchY = new float[n * targetWidth];
    batchIds = new long[n];
  }

  /** Node i's output buffer, allocated for {@code capacity} examples on first use. */
  private float[] output(int i) {
    if (outputs[i] == null) {
      outputs[i] = new float[capacity * plan.get(i).output().size()];
    }
    return outputs[i];
  }

  /** Runs nodes [0, end) on n examples of x and returns the array holding the last one's output. */
  float[] forward(Kernels k, float[] params, float[] x, int n, int end, StepContext step) {
    ensureCapacity(n);
    lastTraining = step.training();
    float[] in = x;
    call.pass(k, params, null, n, step);
    for (Passes.Step s : passes.forward(end, plan.size(), step.training())) {
      long started = LayerTimes.ENABLED ? System.nanoTime() : 0;
      int i = s.node();
      Node node = plan.get(i);
      float[] out;
      switch (s.kind()) {
        case ACTIVATION -> {
          out = output(i);
          int rowWidth = node.output().lastDim();
          k.activationForward(
              node.activation(), n * node.output().size() / rowWidth, rowWidth, in, out);
        }
        case IDENTITY -> out = in;
        case LAYER_ACTIVATED -> {
          // Node i's own output (before the activation) is never stored, and nothing reads it.
          out = output(i + 1);
          node.layer()
              .forwardActivated(
                  call.forward(node.paramOffset(), scratch[i], in, out),
                  plan.get(i + 1).activation());
          used[i] = null;
          used[i + 1] = out;
        }
        default -> {
          out = output(i);
          node.layer().forward(call.forward(node.paramOffset(), scratch[i], in, out));
        }
      }
      if (s.kind() != Passes.Kind.LAYER_ACTIVATED) {
        used[i] = out;
      }
      in = out;
      if (LayerTimes.ENABLED) {
        times[i][0].add(System.nanoTime() - started);
      }
    }
    return in;
  }

  /**
   * After {@link #forward} over the whole plan ({@code fused} false) or all but the final
   * activation ({@code fused} true): the loss sum and accuracy count of the n examples. With {@code
   * keepGradient} the loss gradient is kept for {@link #backward}.
   */
  BatchStats loss(
      Kernels k,
      float[] targets,
      int n,
      Loss loss,
      boolean fused,
      Accuracy accuracy,
      boolean keepGradient) {
    long started = LayerTimes.ENABLED ? System.nanoTime() : 0;
    int last = plan.size() - 1;
    int width = plan.get(last).output().size();
    int end = fused ? last : last + 1;
    float[] top = used[end - 1];
    for (int i = 0; i < n * width; i++) {
      lossIn[i] = top[i];
    }
    for (int i = 0; i < n * targetWidth; i++) {
      lossTargets[i] = targets[i];
    }
    double[] grad = keepGradient ? lossGrad : null;
    double lossSum =
        fused
            ? loss.fromLogits(n, width, lossIn, lossTargets, grad)
            : loss.fromPredictions(n, width, lossIn, lossTargets, grad);
    if (fused) {
      // Accuracy and predict need the probabilities: apply the activation the loss fused away.
      k.activationForward(plan.get(last).activation(), n, width, top, output(last));
      used[last] = output(last);
    }
    double correct = accuracy == null ? 0 : accuracy.correct(n, width, used[last], targets);
    if (LayerTimes.ENABLED) {
      lossTime[0].add(System.nanoTime() - started);
    }
    return new BatchStats(lossSum, n, correct);
  }

  /**
   * Back-propagates the gradient kept by {@link #loss}: adds every layer's weight gradients into
   * grads and, if dx is not null, writes d(loss sum)/dx there.
   */
  void backward(
      Kernels k, float[] params, float[] grads, float[] x, int n, boolean fused, float[] dx) {
    int last = plan.size() - 1;
    int width = plan.get(last).output().size();
    int end = fused ? last : last + 1;
    if (gradA == null) {
      gradA = new float[capacity * largest];
      gradB = new float[capacity * largest];
    }
    float[] dy = gradA;
    for (int i = 0; i < n * width; i++) {
      dy[i] = (float) lossGrad[i];
    }
    call.pass(k, params, grads, n, null);
    for (Passes.Step s : passes.backward(end, plan.size(), lastTraining)) {
      long started = LayerTimes.ENABLED ? System.nanoTime() : 0;
      int i = s.node();
      Node node = plan.get(i);
      boolean first = i == 0;
      if (s.kind() == Passes.Kind.IDENTITY) {
        if (first && dx != null) {
          System.arraycopy(dy, 0, dx, 0, n * inputSize);
        }
        continue;
      }
      float[] out = first ? dx : (dy == gradA ? gradB : gradA);
      switch (s.kind()) {
        case POOL_THROUGH_RELU -> s.pool().backwardThroughRelu(k, n, used[i - 1], dy, out);
        case ACTIVATION -> {
          if (out != null) {
            int rowWidth = node.output().lastDim();
            k.activationBackward(
                node.activation(), n * node.output().size() / rowWidth, rowWidth, used[i], dy, out);
          }
        }
        default -> {
          float[] in = first ? x : used[i - 1];
          node.layer().backward(call.backward(node.paramOffset(), scratch[i], in, dy, out));
        }
      }
      dy = out;
      if (LayerTimes.ENABLED) {
        times[i][1].add(System.nanoTime() - started);
      }
    }
  }
}
