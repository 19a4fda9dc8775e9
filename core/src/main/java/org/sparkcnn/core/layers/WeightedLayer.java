package org.sparkcnn.core.layers;

import java.util.Map;
import org.sparkcnn.core.activations.Activation;

/**
 * The settings Conv2D and Dense share under Keras' names: activation, use_bias and
 * kernel_initializer (the layers that have a kernel and a bias and apply an activation).
 *
 * @param <T> the layer, so that the setters chain
 */
public abstract class WeightedLayer<T extends WeightedLayer<T>> extends BaseLayer<T> {
  protected Activation activation = Activation.LINEAR;
  protected boolean useBias = true;
  protected Initializer kernelInitializer = Initializer.GLOROT_UNIFORM;

  protected WeightedLayer(String kerasClassName, String defaultNamePrefix) {
    super(kerasClassName, defaultNamePrefix);
  }

  public T activation(String keras) {
    requireUnbuilt();
    activation = Activation.fromKeras(keras);
    return self();
  }

  public T useBias(boolean useBias) {
    requireUnbuilt();
    this.useBias = useBias;
    return self();
  }

  public T kernelInitializer(String keras) {
    requireUnbuilt();
    kernelInitializer = Initializer.fromKeras(keras);
    return self();
  }

  @Override
  public Activation activation() {
    return activation;
  }

  /** The product alone: {@link #forwardActivated} with {@link Activation#LINEAR}. */
  @Override
  public final void forward(LayerCall c) {
    forwardActivated(c, Activation.LINEAR);
  }

  /** The product, then {@code a}: the kernels fuse relu into the product's store. */
  @Override
  public abstract void forwardActivated(LayerCall c, Activation a);

  /** The shared settings at the end of a Keras config, in Keras' order. */
  protected void putWeightSettings(Map<String, Object> c) {
    c.put("activation", activation.kerasName());
    c.put("use_bias", useBias);
    c.put("kernel_initializer", KerasConfig.initializer(kernelInitializer));
    c.put("bias_initializer", KerasConfig.initializer(Initializer.ZEROS));
    KerasConfig.putNullRegularizers(c);
  }
}
