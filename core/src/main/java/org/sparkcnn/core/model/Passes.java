package org.sparkcnn.core.model;

import java.util.ArrayList;
import java.util.List;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.layers.MaxPooling2D;

/**
 * The fused execution of a model's plan, decided once when the model is built: for each kind of
 * pass (training or inference; over the whole plan, or without the final activation when the loss
 * takes the logits), the forward steps and the backward steps {@link Workspace} runs in order.
 *
 * <p>Fusions: a layer followed by an activation node runs as one forward step (the activation in
 * the layer's kernel; the layer's own output is never stored); max pooling after a relu runs as one
 * backward step (the pool routes dy only where the window's maximum is positive); identity nodes
 * (Flatten, an Activation layer's own node, Dropout in inference) pass their input on.
 */
final class Passes {
  /** What a step does; {@code node} is the plan index it reads its layer or activation from. */
  enum Kind {
    /** Node's layer, unfused. */
    LAYER,
    /** Node's layer with the next node's activation fused into its kernel. */
    LAYER_ACTIVATED,
    /** Node's activation on its own. */
    ACTIVATION,
    /** Node passes its input on (forward) or its gradient back (backward). */
    IDENTITY,
    /** Node's max pooling backward through the relu of the node before it, which is skipped. */
    POOL_THROUGH_RELU
  }

  /**
   * One step: its kind, the plan index of its node, and for {@link Kind#POOL_THROUGH_RELU} the
   * pool.
   */
  record Step(Kind kind, int node, MaxPooling2D pool) {}

  private final Step[][] forward = new Step[4][];
  private final Step[][] backward = new Step[4][];

  Passes(List<Node> plan) {
    for (int v = 0; v < 4; v++) {
      boolean training = (v & 1) != 0;
      int end = (v & 2) != 0 ? plan.size() - 1 : plan.size();
      forward[v] = planForward(plan, end, training);
      backward[v] = planBackward(plan, end, training);
    }
  }

  /** The forward steps over nodes [0, end), end being the plan's size or one less. */
  Step[] forward(int end, int planSize, boolean training) {
    return forward[variant(end, planSize, training)];
  }

  /** The backward steps from node end - 1 down to node 0. */
  Step[] backward(int end, int planSize, boolean training) {
    return backward[variant(end, planSize, training)];
  }

  private static int variant(int end, int planSize, boolean training) {
    if (end != planSize && end != planSize - 1) {
      throw ErrorText.problem("a pass ends at the plan's last node or the one before")
          .received("end " + end)
          .expected(planSize + " or " + (planSize - 1))
          .illegalArgument();
    }
    return (training ? 1 : 0) | (end == planSize ? 0 : 2);
  }

  private static Step[] planForward(List<Node> plan, int end, boolean training) {
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < end; i++) {
      Node node = plan.get(i);
      if (node.isActivation()) {
        steps.add(new Step(Kind.ACTIVATION, i, null));
      } else if (node.isIdentity(training)) {
        steps.add(new Step(Kind.IDENTITY, i, null));
      } else if (i + 1 < end && plan.get(i + 1).isActivation()) {
        steps.add(new Step(Kind.LAYER_ACTIVATED, i, null));
        i++;
      } else {
        steps.add(new Step(Kind.LAYER, i, null));
      }
    }
    return steps.toArray(new Step[0]);
  }

  private static Step[] planBackward(List<Node> plan, int end, boolean training) {
    List<Step> steps = new ArrayList<>();
    for (int i = end - 1; i >= 0; i--) {
      Node node = plan.get(i);
      if (node.isIdentity(training)) {
        steps.add(new Step(Kind.IDENTITY, i, null));
      } else if (i >= 2
          && node.layer() instanceof MaxPooling2D pool
          && plan.get(i - 1).isActivation()
          && plan.get(i - 1).activation() == Activation.RELU) {
        steps.add(new Step(Kind.POOL_THROUGH_RELU, i, pool));
        i--;
      } else if (node.isActivation()) {
        steps.add(new Step(Kind.ACTIVATION, i, null));
      } else {
        steps.add(new Step(Kind.LAYER, i, null));
      }
    }
    return steps.toArray(new Step[0]);
  }
}
