package org.sparkcnn.spark.labels;

import java.util.Arrays;
import java.util.List;
import org.sparkcnn.core.errors.ErrorText;

/**
 * How a label becomes a training target, with the names of Keras' {@code label_mode}
 * (image_dataset_from_directory) plus {@code multi_label}. K is the model's output width.
 *
 * <ul>
 *   <li>{@code int}: a class index 0..K-1, target width 1 (sparse_categorical_crossentropy).
 *   <li>{@code binary}: 0 or 1 for one sigmoid output, target width 1 (binary_crossentropy).
 *   <li>{@code categorical}: a class index one-hot encoded to K values, or a one-hot array of K
 *       values (categorical_crossentropy).
 *   <li>{@code multi_label}: an array of K values, each 0 or 1: K independent yes/no outputs
 *       (binary_crossentropy over K sigmoids).
 * </ul>
 */
public enum LabelMode {
  INT("int"),
  BINARY("binary"),
  CATEGORICAL("categorical"),
  MULTI_LABEL("multi_label");

  public static final List<String> NAMES =
      Arrays.stream(values()).map(LabelMode::kerasName).toList();

  private final String name;

  LabelMode(String name) {
    this.name = name;
  }

  public String kerasName() {
    return name;
  }

  /** The mode named {@code name} ("int", "binary", "categorical", "multi_label"). */
  public static LabelMode of(String name) {
    for (LabelMode m : values()) {
      if (m.name.equals(name)) {
        return m;
      }
    }
    throw ErrorText.problem("unknown label_mode")
        .received(ErrorText.quote(name))
        .expected("one of " + NAMES)
        .illegalArgument();
  }

  /**
   * The mode Keras' conventions give a loss and an output width: sparse_categorical_crossentropy →
   * int; categorical_crossentropy → categorical; binary_crossentropy → binary for one output,
   * multi_label for more; mse → binary for one output, categorical for more.
   */
  public static LabelMode defaultFor(String loss, int outputs) {
    return switch (loss) {
      case "sparse_categorical_crossentropy" -> INT;
      case "categorical_crossentropy" -> CATEGORICAL;
      case "binary_crossentropy" -> outputs == 1 ? BINARY : MULTI_LABEL;
      case "mse", "mean_squared_error" -> outputs == 1 ? BINARY : CATEGORICAL;
      default ->
          throw ErrorText.problem("no label_mode for this loss")
              .received(ErrorText.quote(loss))
              .expected(
                  "sparse_categorical_crossentropy, categorical_crossentropy, binary_crossentropy"
                      + " or mse")
              .illegalArgument();
    };
  }

  /** Label classes the data may use: 2 for binary, K otherwise (labels, for multi_label). */
  public int classCount(int outputs) {
    return this == BINARY ? 2 : outputs;
  }

  /** Floats per example the loss receives. */
  public int targetWidth(int outputs) {
    return this == INT || this == BINARY ? 1 : outputs;
  }

  /**
   * Checks that this mode's targets fit the loss and the output width, e.g. that binary labels meet
   * one sigmoid output; throws naming all three otherwise.
   */
  public void check(String loss, int outputs) {
    String problem =
        switch (this) {
          case INT ->
              loss.equals("sparse_categorical_crossentropy")
                  ? null
                  : "int labels need sparse_categorical_crossentropy";
          case BINARY ->
              outputs != 1
                  ? "binary labels need exactly one output (Dense(1, activation='sigmoid'))"
                  : loss.equals("binary_crossentropy") || isMse(loss)
                      ? null
                      : "binary labels need binary_crossentropy (or mse)";
          case CATEGORICAL ->
              outputs < 2
                  ? "categorical labels need at least two outputs (Dense(K, activation='softmax'))"
                  : loss.equals("categorical_crossentropy")
                          || loss.equals("binary_crossentropy")
                          || isMse(loss)
                      ? null
                      : "categorical (one-hot) labels need categorical_crossentropy";
          case MULTI_LABEL ->
              loss.equals("binary_crossentropy") || isMse(loss)
                  ? null
                  : "multi_label labels need binary_crossentropy over K sigmoid outputs";
        };
    if (problem != null) {
      throw ErrorText.problem("label_mode does not fit the model: " + problem)
          .received(
              "label_mode "
                  + name
                  + ", loss "
                  + loss
                  + ", "
                  + outputs
                  + " output"
                  + (outputs == 1 ? "" : "s"))
          .expected(
              "label_mode "
                  + defaultFor(loss, outputs).name
                  + " for this loss and output width, or another loss")
          .hint("leave label_mode unset to derive it from the loss and the last layer's units")
          .illegalArgument();
    }
  }

  private static boolean isMse(String loss) {
    return loss.equals("mse") || loss.equals("mean_squared_error");
  }
}
