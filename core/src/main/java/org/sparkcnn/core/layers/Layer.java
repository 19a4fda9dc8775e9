package org.sparkcnn.core.layers;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.tensor.Shape;

/**
 * A Keras layer: configuration only. Its weights are a slice of the model's flat parameter array
 * and its gradients the same slice of the flat gradient array; the batch's activations live in a
 * per-thread workspace, so one layer object serves every thread.
 *
 * <p>Order of calls: configure (constructor and fluent setters) → {@link #build} once, by the
 * model, with the input shape → {@link #initialize} → any number of {@link #forward} / {@link
 * #backward} pairs. Layers with a fused activation (Conv2D, Dense) compute the linear part here;
 * the model applies {@link #activation()} after it, so losses can fuse with softmax/sigmoid.
 */
public interface Layer {
  /** The layer's name, unique in its model ("conv2d", "conv2d_1", ...). */
  String name();

  /** Names the layer before it joins a model (Keras' name argument). */
  void setName(String name);

  /** Keras' class name, e.g. "Conv2D". */
  String kerasClassName();

  /** The prefix Keras derives names from, e.g. "conv2d" or "max_pooling2d". */
  String defaultNamePrefix();

  /** The input shape this layer was configured with (Keras' input_shape), or null. */
  Shape declaredInputShape();

  /**
   * Validates the input shape and sizes the layer. Called once by the model; names this layer in
   * every error, with the shape received and the shape expected.
   *
   * @return the output shape (before the activation, which never changes it)
   */
  Shape build(String name, Shape input);

  Shape outputShape();

  /** The weight tensors, in Keras' order (kernel, then bias); empty for layers without weights. */
  List<ParamSpec> params();

  default int paramCount() {
    return params().stream().mapToInt(ParamSpec::size).sum();
  }

  /** Writes initial weights into {@code params[offset, offset + paramCount())}. */
  default void initialize(float[] params, int offset, Random rng) {}

  /** The activation applied after {@link #forward}; LINEAR if none. */
  default Activation activation() {
    return Activation.LINEAR;
  }

  /** True if forward is the identity in this mode, so the model can reuse the input buffer. */
  default boolean isIdentity(boolean training) {
    return false;
  }

  /** Floats of per-example scratch space forward and backward share (e.g. a dropout mask). */
  default int scratchPerExample() {
    return 0;
  }

  /**
   * y = layer(x) for the call's n examples: reads {@link LayerCall#x}, overwrites {@link
   * LayerCall#y}. The call's step carries the training flag and the randomness of this step; its
   * params hold this layer's weights from its offset.
   */
  void forward(LayerCall c);

  /**
   * forward, then activation {@code a} on y: what the model runs when an activation directly
   * follows this layer. Conv2D and Dense hand it to their kernel, which fuses relu into the store
   * of the product; other layers run the two steps.
   */
  default void forwardActivated(LayerCall c, Activation a) {
    forward(c);
    int width = outputShape().lastDim();
    c.kernels().activationForward(a, c.n() * outputShape().size() / width, width, c.y(), c.y());
  }

  /**
   * dx from dy, and this layer's weight gradients added into the call's grads from its offset. dx
   * is null when the caller does not need it (the first layer during training).
   */
  void backward(LayerCall c);

  /** Keras' get_config(): the layer's arguments under Keras' names. */
  Map<String, Object> config();
}
