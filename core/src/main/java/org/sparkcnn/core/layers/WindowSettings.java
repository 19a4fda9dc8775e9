package org.sparkcnn.core.layers;

import java.util.List;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * The sliding window a 2-D layer declares, in Keras' terms: {@code kernel_size} or {@code
 * pool_size}, {@code strides} and {@code padding}. Each setting is checked as it is set (and only
 * before the layer is built); {@link #over} turns them into the layer's {@link Window2D}.
 */
final class WindowSettings {
  private final BaseLayer<?> layer;
  private final String what;
  private final boolean stridesFollowSize;
  private final String rankHint;
  private final String sizeHint;
  private int height;
  private int width;
  private int strideH = 1;
  private int strideW = 1;
  private boolean stridesSet;
  private Padding padding = Padding.VALID;

  /**
   * @param layer the layer declaring the window, named in errors
   * @param what "kernel" (Conv2D: strides default to 1) or "pool" (strides default to pool_size)
   * @param rankHint what to try when the input is not (height, width, channels)
   * @param sizeHint what to try when the input is smaller than one window
   */
  WindowSettings(BaseLayer<?> layer, String what, String rankHint, String sizeHint) {
    this.layer = layer;
    this.what = what;
    this.stridesFollowSize = what.equals("pool");
    this.rankHint = rankHint;
    this.sizeHint = sizeHint;
  }

  /** Keras' kernel_size or pool_size. */
  void size(int h, int w) {
    layer.requireUnbuilt();
    BaseLayer.requirePositive(layer.kerasClassName() + " " + what + "_size", h);
    BaseLayer.requirePositive(layer.kerasClassName() + " " + what + "_size", w);
    height = h;
    width = w;
    if (stridesFollowSize && !stridesSet) {
      strideH = h;
      strideW = w;
    }
  }

  void strides(int h, int w) {
    layer.requireUnbuilt();
    BaseLayer.requirePositive(layer.kerasClassName() + " strides", h);
    BaseLayer.requirePositive(layer.kerasClassName() + " strides", w);
    strideH = h;
    strideW = w;
    stridesSet = true;
  }

  void padding(String keras) {
    layer.requireUnbuilt();
    padding = Padding.fromKeras(keras);
  }

  /** The size as Keras' config writes it: [height, width]. */
  List<Integer> sizeConfig() {
    return List.of(height, width);
  }

  List<Integer> stridesConfig() {
    return List.of(strideH, strideW);
  }

  String paddingConfig() {
    return padding.kerasName();
  }

  /**
   * The window over {@code input}, or the error naming the layer: the input must be (height, width,
   * channels) and, with "valid" padding, at least one window large.
   */
  Window2D over(Shape input) {
    if (input.rank() != 3) {
      throw layer.shapeError(
          "expects input of rank 3 (height, width, channels) per example",
          input,
          "(height, width, channels)",
          rankHint);
    }
    Window2D window = Window2D.of(input, height, width, strideH, strideW, padding);
    if (window.outH() == 0 || window.outW() == 0) {
      throw layer.shapeError(
          "with padding \"valid\" needs the input to be at least as large as the "
              + what
              + " "
              + height
              + "x"
              + width,
          input,
          "height >= " + height + " and width >= " + width,
          sizeHint);
    }
    return window;
  }
}
