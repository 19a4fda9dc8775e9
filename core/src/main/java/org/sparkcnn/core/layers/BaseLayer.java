package org.sparkcnn.core.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.tensor.Shape;

/** What every layer shares: its name, its declared input shape and the build-once lifecycle. */
abstract class BaseLayer implements Layer {
  private String name;
  private Shape declaredInputShape;
  private Shape inputShape;
  private Shape outputShape;

  @Override
  public String name() {
    return name;
  }

  @Override
  public Shape declaredInputShape() {
    return declaredInputShape;
  }

  @Override
  public void setName(String name) {
    requireUnbuilt();
    if (name == null || name.isEmpty() || name.contains("/")) {
      throw new IllegalArgumentException(
          "a layer name must be non-empty and contain no '/' "
              + "(it prefixes weight names); received \""
              + name
              + "\"");
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
      throw new IllegalArgumentException(
          describe()
              + " declares input_shape "
              + declaredInputShape
              + " but receives "
              + input
              + " from the previous layer; "
              + "remove input_shape from every layer but the first");
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
    return new IllegalArgumentException(
        describe()
            + " "
            + rule
            + "; received input shape "
            + received
            + ", expected "
            + expected
            + (hint == null ? "" : ". " + hint));
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
      throw new IllegalArgumentException(field + " must be a positive integer; received " + value);
    }
  }
}
