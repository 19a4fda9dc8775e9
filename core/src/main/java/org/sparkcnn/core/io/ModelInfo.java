package org.sparkcnn.core.io;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;

/**
 * What travels with a model beyond its spec and weights: class names (label i is classNames[i]),
 * how raw uint8 pixels become model inputs (x = pixel * rescale), and free-form training facts
 * (epochs, batch size, seed, history) for the record.
 *
 * @param classNames one per output class, or null when unknown
 * @param rescale the factor applied to uint8 pixels; 1/255 for images in [0, 1]
 * @param training free-form JSON-compatible facts about how the model was trained
 */
public record ModelInfo(List<String> classNames, double rescale, Map<String, Object> training) {
  public static final double UNIT_RANGE = 1.0 / 255;

  public ModelInfo {
    classNames = classNames == null ? null : List.copyOf(classNames);
    training = training == null ? Map.of() : new LinkedHashMap<>(training);
    if (!(rescale > 0) || !Double.isFinite(rescale)) {
      throw ErrorText.problem("invalid rescale")
          .received(rescale)
          .expected("a positive finite number")
          .illegalArgument();
    }
  }

  /** Pixels scaled to [0, 1], no class names, no training facts. */
  public static ModelInfo defaults() {
    return new ModelInfo(null, UNIT_RANGE, Map.of());
  }

  public ModelInfo withClassNames(List<String> names) {
    return new ModelInfo(names, rescale, training);
  }

  public ModelInfo withTraining(Map<String, Object> facts) {
    return new ModelInfo(classNames, rescale, facts);
  }
}
