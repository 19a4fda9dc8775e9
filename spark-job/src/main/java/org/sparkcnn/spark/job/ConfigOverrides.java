package org.sparkcnn.spark.job;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonException;

/**
 * {@code --set key=value} overrides of a job config. The value is parsed as JSON when it parses
 * ({@code epochs=1}, {@code shuffle=false}, {@code init_weights=null}, {@code
 * class_names=["a","b"]}) and taken as a string otherwise ({@code output=runs/x}). A dotted key
 * sets a nested one ({@code optimizer.learning_rate=0.01}); an optimizer given as a plain name
 * becomes {@code {"name": ...}} first.
 */
public final class ConfigOverrides {
  public static final String ORIGIN = "--set";

  private ConfigOverrides() {}

  /**
   * Applies one override to {@code config} in place and records its top-level key in {@code
   * origins} (so errors about it say it came from --set).
   */
  @SuppressWarnings("unchecked")
  public static void apply(
      Map<String, Object> config, String keyValue, Map<String, String> origins) {
    int eq = keyValue.indexOf('=');
    if (eq <= 0) {
      throw new JsonException(
          ErrorText.problem("not an override")
              .in(ORIGIN + " " + keyValue)
              .received(ErrorText.quote(keyValue))
              .expected("key=value, e.g. epochs=1 or optimizer.learning_rate=0.01")
              .text());
    }
    String key = keyValue.substring(0, eq).trim();
    String text = keyValue.substring(eq + 1);
    Object value;
    try {
      value = Json.parse(text, ORIGIN + " " + key);
    } catch (JsonException e) {
      value = text;
    }
    String[] parts = key.split("\\.", -1);
    Map<String, Object> target = config;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = target.get(parts[i]);
      if (child instanceof String name && i == 0 && parts[0].equals("optimizer")) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        child = m;
      } else if (child == null) {
        // Start from the declared default object (the optimizer's {"name": "adam", ...}).
        Setting declared = i == 0 ? JobConfig.SETTINGS.get(parts[0]) : null;
        child =
            declared != null && declared.defaultValue() instanceof Map<?, ?> m
                ? new LinkedHashMap<>((Map<String, Object>) m)
                : new LinkedHashMap<String, Object>();
      } else if (!(child instanceof Map)) {
        throw new JsonException(
            ErrorText.problem(
                    "'" + String.join(".", Arrays.copyOf(parts, i + 1)) + "' is not an object")
                .in(ORIGIN + " " + key)
                .received(Json.writeCompact(child))
                .expected("an object to set '" + parts[i + 1] + "' in")
                .text());
      } else {
        child = new LinkedHashMap<>((Map<String, Object>) child);
      }
      target.put(parts[i], child);
      target = (Map<String, Object>) child;
    }
    target.put(parts[parts.length - 1], value);
    origins.put(parts[0], ORIGIN + " " + key);
  }
}
