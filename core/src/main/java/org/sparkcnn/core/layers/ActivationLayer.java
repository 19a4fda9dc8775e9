package org.sparkcnn.core.layers;

import java.util.Map;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.tensor.Shape;

/**
 * Keras' Activation layer: applies an activation and has no weights. Its work is done by the
 * model's activation step (the same one that follows Conv2D and Dense), so forward here is the
 * identity and {@link #activation()} is the function.
 */
public final class ActivationLayer extends IdentityLayer<ActivationLayer> {
  private final Activation activation;

  public ActivationLayer(String keras) {
    super("Activation", "activation");
    this.activation = Activation.fromKeras(keras);
  }

  @Override
  public Activation activation() {
    return activation;
  }

  @Override
  protected Shape computeOutputShape(Shape input) {
    return input;
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("activation", activation.kerasName());
    return c;
  }
}
