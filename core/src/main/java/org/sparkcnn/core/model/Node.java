package org.sparkcnn.core.model;

import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.tensor.Shape;

/**
 * One step of the model's execution plan: either a layer's own computation, or an activation (the
 * one fused into Conv2D/Dense, or an Activation layer's). Splitting them lets a loss take the
 * logits before a final softmax or sigmoid.
 *
 * @param layer the layer, for a computation step; null for an activation step
 * @param activation the activation, for an activation step; null for a computation step
 * @param output the shape this step produces per example
 * @param paramOffset where the layer's weights start in the flat parameter array
 */
record Node(Layer layer, Activation activation, Shape output, int paramOffset) {
  boolean isActivation() {
    return activation != null;
  }

  boolean isIdentity(boolean training) {
    return layer != null && layer.isIdentity(training);
  }
}
