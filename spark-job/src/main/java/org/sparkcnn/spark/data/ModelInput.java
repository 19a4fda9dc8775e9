package org.sparkcnn.spark.data;

import java.io.Serializable;
import org.sparkcnn.core.model.Sequential;

/**
 * What a model accepts, as the data readers check it: images of (height, width, channels), labels
 * in [0, classes), and the factor that turns a uint8 pixel into a model input.
 *
 * @param rescale model input = pixel * rescale (1/255 for inputs in [0, 1])
 */
public record ModelInput(int height, int width, int channels, int classes, double rescale)
    implements Serializable {

  public ModelInput {
    if (height <= 0 || width <= 0 || channels <= 0 || classes <= 0) {
      throw new IllegalArgumentException(
          "model input must have positive sizes; received "
              + height
              + " x "
              + width
              + " x "
              + channels
              + " with "
              + classes
              + " classes");
    }
    if (!(rescale > 0) || !Double.isFinite(rescale)) {
      throw new IllegalArgumentException(
          "rescale must be a positive finite number; received " + rescale);
    }
  }

  /** The input of a model whose spec says (H, W, C) in and K classes out. */
  public static ModelInput of(Sequential model, double rescale) {
    int[] dims = model.inputShape().dims();
    if (dims.length != 3) {
      throw new IllegalArgumentException(
          model.describe()
              + " takes input of shape "
              + java.util.Arrays.toString(dims)
              + "; expected images (height, width, channels)");
    }
    return new ModelInput(dims[0], dims[1], dims[2], model.outputShape().size(), rescale);
  }

  public int imageSize() {
    return height * width * channels;
  }

  /** "28 x 28 x 1 (H x W x C)". */
  public String shapeText() {
    return height + " x " + width + " x " + channels + " (H x W x C)";
  }

  public String labelRangeText() {
    return "an integer class index in 0.."
        + (classes - 1)
        + " (the model has "
        + classes
        + " outputs)";
  }
}
