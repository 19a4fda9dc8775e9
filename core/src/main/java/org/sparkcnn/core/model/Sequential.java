package org.sparkcnn.core.model;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.kernels.KernelSelector;
import org.sparkcnn.core.kernels.Kernels;
import org.sparkcnn.core.layers.ActivationLayer;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.layers.ParamSpec;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.losses.Loss;
import org.sparkcnn.core.metrics.Accuracy;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Tensor;

/**
 * A linear stack of layers, like Keras' Sequential. All weights live in one flat float array
 * ({@link #parameters()}), each layer owning a slice; gradients use the same layout.
 *
 * <p>Order of calls: {@link #add} layers (the first declares the input shape, or call {@link
 * #input} first) → optionally {@link #seed} → {@link #compile} → {@link #fit}, {@link #evaluate},
 * {@link #predict}. Weights are initialised from the seed when first needed. Layers are built as
 * they are added, so a shape error names the layer that caused it.
 *
 * <p>Thread safety: {@link #computeGradient}, {@link #evaluate} and {@link #predict} may run on
 * several threads at once (each thread gets its own workspace); fit and setters may not.
 */
public final class Sequential {
  private final String name;

  /** describe(), built once: computeGradient names the model on every call. */
  private final String description;

  private final List<Layer> layers = new ArrayList<>();
  private final List<Node> plan = new ArrayList<>();
  private final Map<String, Integer> nameCounters = new HashMap<>();
  private final Set<String> names = new HashSet<>();
  private Shape inputShape;
  private Shape outputShape;
  private int paramCount;
  private float[] params;
  private long seed;
  private Kernels kernels = KernelSelector.get();
  private Loss loss;
  private Optimizer optimizer;
  private boolean accuracyMetric;
  private List<Node> planned = List.of();
  private Passes passes = new Passes(planned);
  private ThreadLocal<Workspace> workspaces = ThreadLocal.withInitial(this::newWorkspace);

  public Sequential() {
    this("sequential");
  }

  public Sequential(String name) {
    this.name = name;
    this.description = "Sequential '" + name + "'";
  }

  public String name() {
    return name;
  }

  /** Keras' Input(shape=...): the per-example input shape, before any layer is added. */
  public Sequential input(int... dims) {
    if (!layers.isEmpty()) {
      throw new IllegalStateException(describe() + ": set the input shape before adding layers");
    }
    inputShape = Shape.of(dims);
    return this;
  }

  public Sequential add(Layer layer) {
    if (params != null) {
      throw new IllegalStateException(
          describe()
              + " already has weights; add every layer "
              + "before compiling, training or loading weights");
    }
    Shape in = layers.isEmpty() ? inputShape : outputShape;
    if (in == null) {
      in = layer.declaredInputShape();
      if (in == null) {
        throw ErrorText.problem(
                "the first layer, " + layer.kerasClassName() + ", needs an input shape")
            .in(describe())
            .received("none")
            .expected("e.g. inputShape(28, 28, 1) on the layer or model.input(28, 28, 1)")
            .illegalArgument();
      }
      inputShape = in;
    }
    String layerName = uniqueName(layer);
    String named = layer.kerasClassName() + " '" + layerName + "'";
    Shape out;
    try {
      out = layer.build(layerName, in);
    } catch (IllegalArgumentException e) {
      // Shape checks deep inside build do not know the layer; every error must name it.
      if (e.getMessage() != null && e.getMessage().startsWith(named)) {
        throw e;
      }
      throw new IllegalArgumentException(named + ": " + e.getMessage(), e);
    }
    checkParamCount(named, layer);
    layers.add(layer);
    if (!(layer instanceof ActivationLayer)) {
      plan.add(new Node(layer, null, out, paramCount));
    }
    if (layer.activation() != Activation.LINEAR) {
      plan.add(new Node(null, layer.activation(), out, paramCount));
    }
    paramCount += layer.paramCount();
    outputShape = out;
    resetWorkspaces();
    return this;
  }

  /** The most parameters a model holds: its flat parameters are one Java float array. */
  public static final int MAX_PARAMS = Integer.MAX_VALUE - 8;

  /**
   * Fails, naming the layer, when its weights would take the model past {@link #MAX_PARAMS}
   * (counted exactly: in int, 3136 x 2e9 units wraps to a negative count).
   */
  private void checkParamCount(String named, Layer layer) {
    BigInteger layerCount = BigInteger.ZERO;
    StringBuilder tensors = new StringBuilder();
    for (ParamSpec p : layer.params()) {
      BigInteger size = BigInteger.ONE;
      for (int d : p.shape()) {
        size = size.multiply(BigInteger.valueOf(d));
      }
      layerCount = layerCount.add(size);
      tensors.append(tensors.length() == 0 ? "" : " + ").append(p);
    }
    if (layerCount.add(BigInteger.valueOf(paramCount)).compareTo(BigInteger.valueOf(MAX_PARAMS))
        > 0) {
      throw ErrorText.problem("too many parameters")
          .in(named)
          .received(
              tensors
                  + String.format(
                      Locale.ROOT, " = %,d after %,d in the layers before", layerCount, paramCount))
          .expected(
              String.format(Locale.ROOT, "at most %,d", MAX_PARAMS)
                  + " parameters in the whole model (one Java float array)")
          .hint("fewer units or filters, or more pooling or strides before this layer")
          .illegalArgument();
    }
  }

  private String uniqueName(Layer layer) {
    String given = layer.name();
    if (given != null) {
      if (!names.add(given)) {
        throw new IllegalArgumentException(
            describe()
                + " already has a layer named '"
                + given
                + "'; layer names must be unique because weights are stored under them");
      }
      return given;
    }
    String prefix = layer.defaultNamePrefix();
    while (true) {
      int k = nameCounters.merge(prefix, 1, Integer::sum) - 1;
      String candidate = k == 0 ? prefix : prefix + "_" + k;
      if (names.add(candidate)) {
        return candidate;
      }
    }
  }

  /** The seed weights are initialised from (default 0); re-initialises if already initialised. */
  public Sequential seed(long seed) {
    this.seed = seed;
    if (params != null) {
      initialize();
    }
    return this;
  }

  /** Uses these kernels instead of the JVM-wide choice (tests compare implementations). */
  public Sequential kernels(Kernels kernels) {
    this.kernels = kernels;
    return this;
  }

  public Kernels kernels() {
    return kernels;
  }

  /**
   * compile(loss, optimizer, metrics): loss by Keras name; metrics may be empty or "accuracy". The
   * optimizer may be null where only gradients are computed (a Spark executor: the optimizer lives
   * on the driver); fit then refuses to run.
   */
  public Sequential compile(String lossName, Optimizer optimizer, String... metrics) {
    return compile(Loss.fromKeras(lossName), optimizer, metrics);
  }

  public Sequential compile(Loss loss, Optimizer optimizer, String... metrics) {
    requireLayers();
    this.loss = loss;
    this.optimizer = optimizer;
    this.accuracyMetric = false;
    for (String m : metrics) {
      if (!m.equals("accuracy") && !m.equals("acc")) {
        throw ErrorText.problem("unknown metric")
            .in(describe())
            .received(ErrorText.quote(m))
            .expected("\"accuracy\" (or \"acc\")")
            .illegalArgument();
      }
      accuracyMetric = true;
    }
    resetWorkspaces();
    parameters();
    return this;
  }

  public List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }

  public Shape inputShape() {
    return inputShape;
  }

  public Shape outputShape() {
    return outputShape;
  }

  public int paramCount() {
    return paramCount;
  }

  public Loss loss() {
    return loss;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  /** The accuracy this model reports, or null if "accuracy" was not among the metrics. */
  public Accuracy accuracy() {
    return accuracyMetric ? Accuracy.forLoss(loss, outputShape.size()) : null;
  }

  /** The live flat parameter array (initialised on first call); writes change the model. */
  public float[] parameters() {
    requireLayers();
    if (params == null) {
      params = new float[paramCount];
      initialize();
    }
    return params;
  }

  /** Copies {@code values} into the flat parameter array. */
  public void setParameters(float[] values) {
    if (values.length != paramCount) {
      throw ErrorText.problem("parameter array of the wrong length")
          .in(describe())
          .received("an array of " + values.length)
          .expected(paramCount + " parameters")
          .illegalArgument();
    }
    System.arraycopy(values, 0, parameters(), 0, paramCount);
  }

  private void initialize() {
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      layer.initialize(params, offsetOf(layer), new Random(seed * 1_000_003L + i));
    }
  }

  /** Where a layer's weights start in the flat arrays. */
  public int offsetOf(Layer layer) {
    int offset = 0;
    for (Layer l : layers) {
      if (l == layer) {
        return offset;
      }
      offset += l.paramCount();
    }
    throw new IllegalArgumentException(layer.name() + " is not a layer of " + describe());
  }

  /** Every weight tensor as Keras names it ("conv2d/kernel"), with its flat-array offset. */
  public List<ParamSpec> weightTensors() {
    List<ParamSpec> out = new ArrayList<>();
    for (Layer l : layers) {
      int base = offsetOf(l);
      for (ParamSpec p : l.params()) {
        out.add(new ParamSpec(l.name() + "/" + p.name(), p.shape(), base + p.offset()));
      }
    }
    return out;
  }

  /** Keras' model.summary() table. */
  public String summary() {
    requireLayers();
    return Summary.of(this);
  }

  /**
   * The summed gradient of a batch: runs forward and backward on n examples and ADDS d(sum of
   * per-example losses)/d(params) into {@code gradSum} (dividing by the count is the caller's job,
   * so sums from several partitions or threads can be added first). This is what each Spark
   * partition runs on its share of the global batch.
   *
   * @param params flat weights (e.g. a broadcast copy), laid out like {@link #parameters()}
   * @param x n examples, (N, input shape) flattened
   * @param targets n targets, (N, T) flattened; T = 1 for sparse labels
   * @param step training flag, step seed and global example ids (for dropout)
   * @param gradSum the flat gradient array to add into
   */
  public BatchStats computeGradient(
      float[] params, float[] x, float[] targets, int n, StepContext step, float[] gradSum) {
    requireCompiled();
    checkArrays(params, x, targets, n);
    InputChecks.finite(describe(), x, n, inputShape.size(), 0);
    InputChecks.targets(describe(), loss, outputShape.size(), targets, n, 0);
    if (gradSum.length != paramCount) {
      throw ErrorText.problem("gradient array of the wrong length")
          .in(describe())
          .received("a gradient array of " + gradSum.length)
          .expected(paramCount + " parameters")
          .illegalArgument();
    }
    return computeInputGradient(params, x, targets, n, step, gradSum, null);
  }

  /**
   * Loss sum and accuracy count of n examples, forward only (inference mode), on the calling
   * thread: what a Spark partition runs for validation and evaluation.
   */
  public BatchStats computeLoss(float[] params, float[] x, float[] targets, int n) {
    requireCompiled();
    checkArrays(params, x, targets, n);
    InputChecks.finite(describe(), x, n, inputShape.size(), 0);
    InputChecks.targets(describe(), loss, outputShape.size(), targets, n, 0);
    return lossUnchecked(workspaces.get(), params, x, targets, n);
  }

  /**
   * Model outputs (N, K) of n examples into {@code out} from {@code outOffset}, inference mode, on
   * the calling thread: what a Spark partition runs to score a batch of rows.
   */
  public void predictBatch(float[] params, float[] x, int n, float[] out, int outOffset) {
    checkPredictArrays(params, x, n, out, outOffset);
    InputChecks.finite(describe(), x, n, inputShape.size(), 0);
    predictUnchecked(workspaces.get(), params, x, n, out, outOffset);
  }

  private void checkPredictArrays(float[] params, float[] x, int n, float[] out, int outOffset) {
    requireLayers();
    if (params.length != paramCount
        || x.length < n * inputShape.size()
        || out.length < outOffset + n * outputShape.size()) {
      throw ErrorText.problem("arrays too small for the batch")
          .in(describe())
          .received(
              String.format(
                  Locale.ROOT,
                  "%d parameters, %d input floats and room for %d outputs",
                  params.length,
                  x.length,
                  out.length - outOffset))
          .expected(
              String.format(
                  Locale.ROOT,
                  "%d parameters, %d x %d input floats and room for %d x %d outputs",
                  paramCount,
                  n,
                  inputShape.size(),
                  n,
                  outputShape.size()))
          .illegalArgument();
    }
  }

  /**
   * The activation of the model's last step: softmax or sigmoid for a classifier, {@code LINEAR}
   * when the last layer has none (its outputs are then its pre-activation values).
   */
  public Activation outputActivation() {
    requireLayers();
    Node last = plan.get(plan.size() - 1);
    return last.isActivation() ? last.activation() : Activation.LINEAR;
  }

  /**
   * As {@link #predictBatch}, also keeping the last layer's pre-activation values: {@code logits}
   * (N, K) before the final softmax/sigmoid, {@code out} (N, K) after it (the same values when the
   * model ends without an activation); both written from index 0. What scoring's {@code
   * rawPrediction} and {@code probability} are made of; the outputs are those of predictBatch.
   */
  public void predictBatch(float[] params, float[] x, int n, float[] logits, float[] out) {
    int count = n * outputShape.size();
    if (logits.length < count) {
      throw ErrorText.problem("logits array too small for the batch")
          .in(describe())
          .received("an array of " + logits.length)
          .expected("room for " + n + " x " + outputShape.size() + " logits")
          .illegalArgument();
    }
    Node last = plan.get(plan.size() - 1);
    if (!last.isActivation()) {
      predictBatch(params, x, n, out, 0);
      System.arraycopy(out, 0, logits, 0, count);
      return;
    }
    checkPredictArrays(params, x, n, out, 0);
    InputChecks.finite(describe(), x, n, inputShape.size(), 0);
    // Stop before the final activation and apply it here: what predictBatch's fused kernel does
    // too (the product, then the activation on its result), so the outputs are the same.
    float[] z =
        workspaces.get().forward(kernels, params, x, n, plan.size() - 1, StepContext.INFERENCE);
    System.arraycopy(z, 0, logits, 0, count);
    Shape shape = last.output();
    kernels.activationForward(
        last.activation(), count / shape.lastDim(), shape.lastDim(), logits, out);
  }

  /**
   * As {@link #computeGradient}, also writing d(loss sum)/dx into dx (unless dx is null), for
   * gradient checks and for the trainer's threads, whose batches fit has checked already: it checks
   * only the arrays' sizes, not their values.
   */
  public BatchStats computeInputGradient(
      float[] params,
      float[] x,
      float[] targets,
      int n,
      StepContext step,
      float[] gradSum,
      float[] dx) {
    requireCompiled();
    checkArrays(params, x, targets, n);
    Workspace ws = workspaces.get();
    boolean fused = isLossFused();
    ws.forward(kernels, params, x, n, fused ? plan.size() - 1 : plan.size(), step);
    BatchStats stats = ws.loss(kernels, targets, n, loss, fused, accuracy(), true);
    ws.backward(kernels, params, gradSum, x, n, fused, dx);
    return stats;
  }

  /** Loss sums and accuracy counts of n examples, forward only (inference mode). */
  BatchStats lossUnchecked(Workspace ws, float[] params, float[] x, float[] targets, int n) {
    boolean fused = isLossFused();
    ws.forward(kernels, params, x, n, fused ? plan.size() - 1 : plan.size(), StepContext.INFERENCE);
    return ws.loss(kernels, targets, n, loss, fused, accuracy(), false);
  }

  /** Model outputs of n examples into out (N, K) from outOffset, inference mode. */
  void predictUnchecked(
      Workspace ws, float[] params, float[] x, int n, float[] out, int outOffset) {
    float[] y = ws.forward(kernels, params, x, n, plan.size(), StepContext.INFERENCE);
    System.arraycopy(y, 0, out, outOffset, n * outputShape.size());
  }

  /** True when the loss takes the logits before the final softmax/sigmoid (stable path). */
  public boolean isLossFused() {
    Node last = plan.get(plan.size() - 1);
    return loss != null
        && last.isActivation()
        && plan.size() > 1
        && loss.fusesWith(last.activation());
  }

  Workspace workspace() {
    return workspaces.get();
  }

  private Workspace newWorkspace() {
    int targetWidth = loss == null ? 1 : loss.targetWidth(outputShape.size());
    return new Workspace(planned, passes, inputShape.size(), targetWidth);
  }

  /**
   * Plans the passes of the current plan (once per add or compile, not per thread or step) and
   * makes every thread build a new workspace for it.
   */
  private void resetWorkspaces() {
    planned = List.copyOf(plan);
    passes = new Passes(planned);
    workspaces = ThreadLocal.withInitial(this::newWorkspace);
  }

  /**
   * Trains like Keras' fit. Uses {@link FitOptions#threads} threads: each step's batch is split
   * into that many contiguous slices whose gradients are summed in a fixed order, so the same seed
   * and thread count give the same weights.
   */
  public History fit(Tensor x, Tensor y, FitOptions options) {
    requireCompiled();
    if (optimizer == null) {
      throw new IllegalStateException(
          describe()
              + " was compiled without an optimizer; "
              + "compile it with SGD or Adam before fit");
    }
    return new Trainer(this, options).fit(x, y);
  }

  /** Mean loss and accuracy over (x, y), like Keras' evaluate. */
  public Evaluation evaluate(Tensor x, Tensor y, int batchSize) {
    requireCompiled();
    InputChecks.inputs(describe(), inputShape, x);
    InputChecks.targets(describe(), loss, outputShape.size(), y, x.batchSize());
    return ParallelBatches.evaluate(this, x, y, batchSize, ParallelBatches.defaultThreads());
  }

  /** Outputs (N, K) for inputs (N, input shape), like Keras' predict. */
  public Tensor predict(Tensor x, int batchSize) {
    requireLayers();
    InputChecks.inputs(describe(), inputShape, x);
    return ParallelBatches.predict(this, x, batchSize, ParallelBatches.defaultThreads());
  }

  int planSize() {
    return plan.size();
  }

  /** The passes planned for the current plan (for tests). */
  Passes passes() {
    return passes;
  }

  private void checkArrays(float[] params, float[] x, float[] targets, int n) {
    int t = loss.targetWidth(outputShape.size());
    if (params.length != paramCount
        || x.length < n * inputShape.size()
        || targets.length < n * t
        || n <= 0) {
      throw ErrorText.problem("arrays too small for the batch, or an empty batch")
          .in(describe())
          .received(
              String.format(
                  Locale.ROOT,
                  "%d parameters, %d input floats and %d targets for n=%d",
                  params.length,
                  x.length,
                  targets.length,
                  n))
          .expected(
              String.format(
                  Locale.ROOT,
                  "%d parameters, %d x %d input floats and %d x %d targets for n > 0",
                  paramCount,
                  n,
                  inputShape.size(),
                  n,
                  t))
          .illegalArgument();
    }
  }

  private void requireLayers() {
    if (layers.isEmpty()) {
      throw new IllegalStateException(describe() + " has no layers; add some first");
    }
  }

  private void requireCompiled() {
    if (loss == null) {
      throw new IllegalStateException(
          describe()
              + " is not compiled; call compile(loss, "
              + "optimizer, \"accuracy\") before fit, evaluate or computeGradient");
    }
  }

  /** "Sequential 'sequential'", the way errors name the model. */
  public String describe() {
    return description;
  }
}
