package org.sparkcnn.spark.data;

import java.io.Serializable;
import java.util.Arrays;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.labels.LabelMode;
import org.sparkcnn.spark.labels.Targets;

/**
 * What a model accepts, as the data readers check it: images of (height, width, channels), labels
 * as its {@link Targets} take them, and the factor that turns a uint8 pixel into a model input.
 *
 * @param classes the model's output units (K); the label classes are {@link #labelClasses}
 * @param rescale model input = pixel * rescale (1/255 for inputs in [0, 1])
 * @param targets how labels become targets (label_mode); int labels 0..K-1 unless given
 */
public record ModelInput(
    int height, int width, int channels, int classes, double rescale, Targets targets)
    implements Serializable {

  public ModelInput {
    if (height <= 0 || width <= 0 || channels <= 0 || classes <= 0) {
      throw ErrorText.problem("model input must have positive sizes")
          .received(height + " x " + width + " x " + channels + " with " + classes + " classes")
          .expected("every size and the classes > 0")
          .illegalArgument();
    }
    if (!(rescale > 0) || !Double.isFinite(rescale)) {
      throw ErrorText.problem("invalid rescale")
          .received(rescale)
          .expected("a positive finite number")
          .illegalArgument();
    }
    if (targets.outputs() != classes) {
      throw ErrorText.problem("the targets do not fit the model")
          .received("a model with " + classes + " outputs")
          .expected(targets.outputs() + " outputs, as the targets are for")
          .illegalArgument();
    }
  }

  /** A model input taking integer class labels 0..classes-1 (scoring, where labels are unused). */
  public ModelInput(int height, int width, int channels, int classes, double rescale) {
    this(height, width, channels, classes, rescale, new Targets(LabelMode.INT, classes));
  }

  /**
   * The input of a compiled model whose spec says (H, W, C) in and K outputs, with the label mode
   * derived from its loss and K.
   */
  public static ModelInput of(Sequential model, double rescale) {
    return of(model, rescale, null);
  }

  /** As {@link #of(Sequential, double)}, with label_mode {@code labelMode} unless it is null. */
  public static ModelInput of(Sequential model, double rescale, String labelMode) {
    int[] dims = model.inputShape().dims();
    if (dims.length != 3) {
      throw new IllegalArgumentException(
          model.describe()
              + " takes input of shape "
              + Arrays.toString(dims)
              + "; expected images (height, width, channels)");
    }
    int outputs = model.outputShape().size();
    Targets targets =
        model.loss() != null
            ? Targets.of(labelMode, model.loss().kerasName(), outputs)
            : new Targets(labelMode == null ? LabelMode.INT : LabelMode.of(labelMode), outputs);
    return new ModelInput(dims[0], dims[1], dims[2], outputs, rescale, targets);
  }

  public int imageSize() {
    return height * width * channels;
  }

  /** Classes the labels may name: 2 for one sigmoid output (binary), else the outputs. */
  public int labelClasses() {
    return targets.classCount();
  }

  /** "28 x 28 x 1 (H x W x C)". */
  public String shapeText() {
    return height + " x " + width + " x " + channels + " (H x W x C)";
  }

  public String labelRangeText() {
    return targets.expectedText();
  }
}
