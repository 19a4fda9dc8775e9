package org.sparkcnn.core.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.tensor.Padding;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;

/**
 * What every layer shares: its Keras class name and name prefix, its name, its declared input shape
 * and the build-once lifecycle.
 *
 * @param <T> the layer, so that the setters chain
 */
abstract class BaseLayer<T extends BaseLayer<T>> implements Layer {
  private final String kerasClassName;
  private final String defaultNamePrefix;
  private String name;
  private Shape declaredInputShape;
  private Shape inputShape;
  private Shape outputShape;

  /**
   * @param kerasClassName Keras' class name, e.g. "Conv2D"
   * @param defaultNamePrefix the prefix Keras derives names from, e.g. "conv2d"
   */
  protected BaseLayer(String kerasClassName, String defaultNamePrefix) {
    this.kerasClassName = kerasClassName;
    this.defaultNamePrefix = defaultNamePrefix;
  }

  @SuppressWarnings("unchecked")
  protected final T self() {
    return (T) this;
  }

  @Override
  public final String kerasClassName() {
    return kerasClassName;
  }

  @Override
  public final String defaultNamePrefix() {
    return defaultNamePrefix;
  }

  @Override
  public String name() {
    return name;
  }

  /** Keras' name argument. */
  public T name(String name) {
    setName(name);
    return self();
  }

  @Override
  public Shape declaredInputShape() {
    return declaredInputShape;
  }

  @Override
  public void setName(String name) {
    requireUnbuilt();
    if (name == null || name.isEmpty() || name.contains("/")) {
      throw ErrorText.problem("invalid layer name")
          .in(describe())
          .received(name == null ? "null" : ErrorText.quote(name))
          .expected("a non-empty name without '/'")
          .hint("the name prefixes the layer's weight names (\"<layer>/kernel\")")
          .illegalArgument();
    }
    this.name = name;
  }

  protected void setDeclaredInputShape(int... dims) {
    requireUnbuilt();
    this.declaredInputShape = Shape.of(dims);
  }

  @Override
  public final Shape build(String name, Shape input) {
    if (outputShape != null) {
      throw new IllegalStateException(
          describe()
              + " is already part of a model; "
              + "create a new layer object for each model");
    }
    if (this.name == null) {
      this.name = name;
    }
    if (declaredInputShape != null && !declaredInputShape.equals(input)) {
      throw ErrorText.problem("declared input_shape differs from the previous layer's output")
          .in(describe())
          .received("input shape " + input)
          .expected("input_shape " + declaredInputShape)
          .hint("remove input_shape from every layer but the first")
          .illegalArgument();
    }
    this.inputShape = input;
    this.outputShape = computeOutputShape(input);
    return outputShape;
  }

  /** Validates the input shape and returns the output shape; errors via {@link #shapeError}. */
  protected abstract Shape computeOutputShape(Shape input);

  public Shape inputShape() {
    return inputShape;
  }

  @Override
  public Shape outputShape() {
    return outputShape;
  }

  @Override
  public List<ParamSpec> params() {
    return List.of();
  }

  protected void requireUnbuilt() {
    if (outputShape != null) {
      throw new IllegalStateException(
          describe() + " is already built; configure layers " + "before adding them to a model");
    }
  }

  protected void requireBuilt() {
    if (outputShape == null) {
      throw new IllegalStateException(describe() + " is not built yet; add it to a model");
    }
  }

  /** "Conv2D 'conv2d_1'", the way every error names a layer. */
  public String describe() {
    return kerasClassName() + (name == null ? "" : " '" + name + "'");
  }

  protected IllegalArgumentException shapeError(
      String rule, Shape received, String expected, String hint) {
    return ErrorText.problem(rule)
        .in(describe())
        .received("input shape " + received)
        .expected(expected)
        .hint(hint)
        .illegalArgument();
  }

  /**
   * The sliding window of a 2-D layer ({@code what}: "kernel" or "pool") over {@code input}, or the
   * error naming this layer: the input must be (height, width, channels) and, with "valid" padding,
   * at least one window large.
   *
   * @param rankHint what to try when the input is not (height, width, channels)
   * @param sizeHint what to try when the input is smaller than one window
   */
  protected Window2D window2D(
      Shape input,
      String what,
      int h,
      int w,
      int strideH,
      int strideW,
      Padding padding,
      String rankHint,
      String sizeHint) {
    if (input.rank() != 3) {
      throw shapeError(
          "expects input of rank 3 (height, width, channels) per example",
          input,
          "(height, width, channels)",
          rankHint);
    }
    Window2D window = Window2D.of(input, h, w, strideH, strideW, padding);
    if (window.outH() == 0 || window.outW() == 0) {
      throw shapeError(
          "with padding \"valid\" needs the input to be at least as large as the "
              + what
              + " "
              + h
              + "x"
              + w,
          input,
          "height >= " + h + " and width >= " + w,
          sizeHint);
    }
    return window;
  }

  /** The keys every Keras layer config starts with. */
  protected Map<String, Object> baseConfig() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("trainable", true);
    c.put("dtype", "float32");
    return c;
  }

  protected static void requirePositive(String field, int value) {
    if (value <= 0) {
      throw ErrorText.problem("invalid " + field)
          .received(value)
          .expected("a positive integer")
          .illegalArgument();
    }
  }
}
