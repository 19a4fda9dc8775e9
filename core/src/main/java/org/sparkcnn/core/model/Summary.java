package org.sparkcnn.core.model;

import java.util.Locale;
import org.sparkcnn.core.layers.Layer;

/** Keras' summary table for a Sequential model (its 65-column layout, widened if needed). */
final class Summary {
  private Summary() {}

  static String of(Sequential model) {
    int nameWidth = 29;
    for (Layer l : model.layers()) {
      nameWidth = Math.max(nameWidth, l.name().length() + l.kerasClassName().length() + 5);
    }
    int total = nameWidth + 36;
    String format = " %-" + (nameWidth - 1) + "s%-26s%-10s%n";
    StringBuilder s = new StringBuilder();
    s.append("Model: \"").append(model.name()).append("\"\n");
    s.append("_".repeat(total)).append('\n');
    s.append(String.format(Locale.ROOT, format, "Layer (type)", "Output Shape", "Param #"));
    s.append("=".repeat(total)).append('\n');
    for (int i = 0; i < model.layers().size(); i++) {
      Layer l = model.layers().get(i);
      s.append(
          String.format(
              Locale.ROOT,
              format,
              l.name() + " (" + l.kerasClassName() + ")",
              l.outputShape().withBatch(),
              String.format(Locale.ROOT, "%,d", l.paramCount())));
      if (i < model.layers().size() - 1) {
        s.append(" ".repeat(total)).append('\n');
      }
    }
    s.append("=".repeat(total)).append('\n');
    s.append(String.format(Locale.ROOT, "Total params: %,d%n", model.paramCount()));
    s.append(String.format(Locale.ROOT, "Trainable params: %,d%n", model.paramCount()));
    s.append("Non-trainable params: 0\n");
    s.append("_".repeat(total)).append('\n');
    return s.toString();
  }
}
