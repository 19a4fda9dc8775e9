package org.sparkcnn.core.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.tensor.Shape;

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
