package org.sparkcnn.core.layers;

import java.util.Map;
import org.sparkcnn.core.tensor.Shape;

/**
 * (H, W, C) → (H*W*C) in height, width, channel order, like Keras with channels_last. The data is
 * already laid out that way, so the model reuses the input buffer and this layer computes nothing.
 */
public final class Flatten extends IdentityLayer<Flatten> {
  public Flatten() {
    super("Flatten", "flatten");
  }

  @Override
  protected Shape computeOutputShape(Shape input) {
    return Shape.of(input.size());
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = baseConfig();
    c.put("data_format", "channels_last");
    return c;
  }
}
