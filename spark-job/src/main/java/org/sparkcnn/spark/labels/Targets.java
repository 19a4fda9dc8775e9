package org.sparkcnn.spark.labels;

import java.io.Serializable;
import java.util.Arrays;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A label mode applied to a model with K outputs: how labels are stored in the cached blocks and
 * how a batch's targets are written from them.
 *
 * <p>Stored form, {@link #storedWidth} ints per example: one class index for int, binary and
 * categorical (one-hot arrays are reduced to the index of their 1, and expanded again per batch, so
 * a categorical block costs 4 bytes per example, not 4K); for multi_label the K bits packed into
 * ceil(K / 32) ints, bit k of int k / 32 holding label k.
 */
public final class Targets implements Serializable {
  private static final long serialVersionUID = 1L;

  private final LabelMode mode;
  private final int outputs;

  public Targets(LabelMode mode, int outputs) {
    if (outputs <= 0) {
      throw ErrorText.problem("a model needs at least one output")
          .received(outputs + " outputs")
          .expected("1 or more")
          .illegalArgument();
    }
    this.mode = mode;
    this.outputs = outputs;
  }

  /** The targets of a model trained with this loss: label_mode {@code mode}, or derived if null. */
  public static Targets of(String mode, String loss, int outputs) {
    LabelMode m = mode == null ? LabelMode.defaultFor(loss, outputs) : LabelMode.of(mode);
    m.check(loss, outputs);
    return new Targets(m, outputs);
  }

  public LabelMode mode() {
    return mode;
  }

  public int outputs() {
    return outputs;
  }

  /** Label classes: 2 for binary, K otherwise. */
  public int classCount() {
    return mode.classCount(outputs);
  }

  /** Floats per example the loss receives. */
  public int width() {
    return mode.targetWidth(outputs);
  }

  /** Ints per example in a block's labels. */
  public int storedWidth() {
    return mode == LabelMode.MULTI_LABEL ? (outputs + 31) / 32 : 1;
  }

  /** True when a label is one class index (every mode but multi_label). */
  public boolean takesClassIndex() {
    return mode != LabelMode.MULTI_LABEL;
  }

  /**
   * Writes example {@code row}'s target (stored at {@code labels[row * storedWidth()]}) into {@code
   * y[at .. at + width())}.
   */
  public void write(int[] labels, int row, float[] y, int at) {
    switch (mode) {
      case INT, BINARY -> y[at] = labels[row];
      case CATEGORICAL -> {
        Arrays.fill(y, at, at + outputs, 0f);
        y[at + labels[row]] = 1f;
      }
      case MULTI_LABEL -> {
        int base = row * storedWidth();
        for (int k = 0; k < outputs; k++) {
          y[at + k] = (labels[base + (k >>> 5)] >>> (k & 31)) & 1;
        }
      }
    }
  }

  /** True when {@code label} is a class index this mode accepts: 0..classCount()-1. */
  public boolean acceptsClassIndex(double label) {
    return takesClassIndex() && label >= 0 && label < classCount() && label == Math.rint(label);
  }

  /** What a label must be, for errors: "0 or 1 (label_mode binary: one sigmoid output)". */
  public String expectedText() {
    return switch (mode) {
      case INT ->
          "an integer class index in 0.."
              + (outputs - 1)
              + " (label_mode int: the model has "
              + outputs
              + " outputs)";
      case BINARY -> "0 or 1 (label_mode binary: the model has one sigmoid output)";
      case CATEGORICAL ->
          "an integer class index in 0.."
              + (outputs - 1)
              + " or a one-hot array of "
              + outputs
              + " values (label_mode categorical: the model has "
              + outputs
              + " outputs)";
      case MULTI_LABEL ->
          "an array of "
              + outputs
              + " values, each 0 or 1 (label_mode multi_label: the model has "
              + outputs
              + " outputs)";
    };
  }

  /** "label_mode binary (1 output)", for logs. */
  public String describe() {
    return "label_mode "
        + mode.kerasName()
        + " ("
        + outputs
        + " output"
        + (outputs == 1 ? ")" : "s)");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Targets t && t.mode == mode && t.outputs == outputs;
  }

  @Override
  public int hashCode() {
    return mode.hashCode() * 31 + outputs;
  }

  @Override
  public String toString() {
    return describe();
  }
}
