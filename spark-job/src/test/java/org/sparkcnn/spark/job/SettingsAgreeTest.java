package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.JsonException;
import org.sparkcnn.core.model.FitOptions;
import org.sparkcnn.core.settings.Range;
import org.sparkcnn.core.settings.TrainingSetting;
import org.sparkcnn.core.settings.TrainingSettings;
import org.sparkcnn.spark.TrainerOptions;
import org.sparkcnn.spark.labels.LabelMode;
import org.sparkcnn.spark.ml.CnnClassifier;

/**
 * Every training setting declared in {@link TrainingSettings} has the same default and accepts the
 * same values in each API that offers it: the job config, Spark ML's {@link CnnClassifier}, {@link
 * TrainerOptions} and {@link FitOptions}. Each is read back through the API itself (a parsed
 * config, a param's default and validator, a record's accessor, a setter that throws), so a setting
 * declared again anywhere with another default or range fails here.
 */
class SettingsAgreeTest {
  private static final String MINIMAL = "{\"model\": \"m.json\", \"train_data\": \"d/train\"}";

  /** One API's view of one setting: its default, and whether it takes a value. */
  interface Place {
    Object defaultValue();

    boolean accepts(Object value);
  }

  @Test
  void everySettingHasOneDefaultAndOneRangeEverywhere() {
    for (TrainingSetting<?> s : TrainingSettings.ALL) {
      Map<String, Place> places = places(s);
      assertTrue(places.size() >= 2, s.key() + " is offered by " + places.keySet());
      for (Map.Entry<String, Place> p : places.entrySet()) {
        String where = s.key() + " in " + p.getKey();
        assertEquals(
            normal(s.defaultValue()), normal(p.getValue().defaultValue()), where + ": default");
        for (Object v : probes(s)) {
          assertEquals(s.accepts(v), p.getValue().accepts(v), where + ": takes " + v + "?");
        }
      }
    }
    assertEquals(
        Set.of("job config", "CnnClassifier", "TrainerOptions", "FitOptions"),
        places(TrainingSettings.EPOCHS).keySet(),
        "the four APIs are all found");
    for (TrainingSetting<?> s :
        List.of(
            TrainingSettings.CLASS_NAMES,
            TrainingSettings.SYNC_TOPOLOGY,
            TrainingSettings.KEEP_CHECKPOINTS)) {
      assertEquals(
          Set.of("job config", "CnnClassifier"), places(s).keySet(), s.key() + " is offered by");
    }
    List<String> modes = new ArrayList<>(List.of("auto"));
    modes.addAll(LabelMode.NAMES);
    assertEquals(modes, TrainingSettings.LABEL_MODE.choices());
  }

  @Test
  void docsListEveryJobKeyWithItsDefault() throws Exception {
    String doc = Files.readString(Path.of("../docs/training.md"));
    Map<String, String> table = new TreeMap<>();
    Matcher row =
        Pattern.compile("(?m)^\\| (`[a-z_]+`(?:, `[a-z_]+`)*) \\| ([^|]+) \\|").matcher(doc);
    while (row.find()) {
      String[] keys = row.group(1).replace("`", "").split(", ");
      String[] defaults = row.group(2).trim().split("`, `");
      for (int i = 0; i < keys.length; i++) {
        table.put(keys[i], defaults[keys.length == 1 ? 0 : i].replace("`", ""));
      }
    }
    Map<String, Object> effective = JobConfig.parse(MINIMAL, "x", List.of()).effective();
    for (Setting s : JobConfig.SETTINGS.values()) {
      String cell = table.get(s.key());
      assertTrue(cell != null, "docs/training.md's key table lacks " + s.key());
      if (s.required()) {
        assertEquals("required", cell, s.key());
      } else {
        assertEquals(normal(effective.get(s.key())), normal(docValue(cell)), s.key() + ": " + cell);
      }
    }
    assertEquals(JobConfig.SETTINGS.keySet(), table.keySet(), "the table lists no other keys");
    for (TrainingSetting<?> s : TrainingSettings.ALL) {
      if (new CnnClassifier().hasParam(s.name())) {
        assertTrue(doc.contains("`" + s.name() + "`"), "CnnClassifier's " + s.name() + " in docs");
      }
    }
  }

  private static Map<String, Place> places(TrainingSetting<?> s) {
    Map<String, Place> places = new LinkedHashMap<>();
    if (jobKey(s) != null) {
      places.put("job config", jobConfig(s));
    }
    CnnClassifier cnn = new CnnClassifier();
    if (cnn.hasParam(s.name())) {
      Param<Object> p = cnn.getParam(s.name());
      places.put("CnnClassifier", place(() -> cnn.getDefault(p).get(), v -> paramTakes(s, p, v)));
    }
    if (TrainerOptions.SETTINGS.contains(s)) {
      places.put(
          "TrainerOptions",
          place(() -> TrainerOptions.defaults().get(s), v -> throwsNot(() -> with(s, v))));
    }
    Method setter = method(FitOptions.class, s.name(), primitive(s));
    Method getter = method(FitOptions.class, s.name());
    if (setter != null && getter != null) {
      places.put(
          "FitOptions",
          place(
              () -> invoke(getter, new FitOptions()),
              v -> throwsNot(() -> invoke(setter, new FitOptions(), v))));
    }
    return places;
  }

  /**
   * Whether the param takes {@code v}; a list setting's param holds a {@code String[]}, so a list
   * is offered as one, and a list with other elements cannot be.
   */
  private static boolean paramTakes(TrainingSetting<?> s, Param<Object> p, Object v) {
    if (s.type() == List.class) {
      if (!(v instanceof List<?> l) || !l.stream().allMatch(e -> e instanceof String)) {
        return false;
      }
      v = l.toArray(new String[0]);
    }
    return (Boolean) p.isValid().apply(v);
  }

  /** The job config key, dotted for the optimizer's fields; null when the config has none. */
  private static String jobKey(TrainingSetting<?> s) {
    if (s == TrainingSettings.OPTIMIZER) {
      return "optimizer.name";
    }
    if (s == TrainingSettings.LEARNING_RATE) {
      return "optimizer.learning_rate";
    }
    return JobConfig.SETTINGS.containsKey(s.key()) ? s.key() : null;
  }

  private static Place jobConfig(TrainingSetting<?> s) {
    String key = jobKey(s);
    return place(
        () -> {
          Object v = JobConfig.parse(MINIMAL, "x", List.of()).effective();
          for (String part : key.split("\\.")) {
            v = ((Map<?, ?>) v).get(part);
          }
          return v;
        },
        v ->
            throwsNot(
                () -> JobConfig.parse(MINIMAL, "x", List.of(key + "=" + Json.writeCompact(v)))));
  }

  /**
   * Values at and just beyond each end of the range, and every choice plus one that is not: where
   * two declarations of a setting would differ.
   */
  private static List<Object> probes(TrainingSetting<?> s) {
    List<Object> out = new ArrayList<>();
    Class<?> t = s.type();
    Range r = s.range();
    if (t == Boolean.class) {
      out.addAll(List.of(true, false));
    } else if (t == List.class) {
      out.addAll(List.of(List.of(), List.of("a", "b"), List.of("a", 1), "a"));
    } else if (t == String.class) {
      if (s.choices() != null) {
        out.addAll(s.choices());
        out.add("no_such_" + s.key());
      } else {
        out.add(s.defaultValue());
      }
    } else if (t == Double.class) {
      for (double end : new double[] {r.min(), r.max()}) {
        if (Double.isFinite(end)) {
          out.addAll(List.of(Math.nextDown(end), end, Math.nextUp(end)));
        }
      }
      out.add(s.defaultValue());
    } else {
      for (double end : new double[] {r.min(), r.max()}) {
        if (Double.isFinite(end)) {
          for (long v = (long) end - 1; v <= (long) end + 1; v++) {
            out.add(t == Integer.class ? (Object) (int) v : (Object) v);
          }
        }
      }
      out.add(s.defaultValue());
      if (t == Long.class) {
        out.addAll(List.of(Long.MIN_VALUE, Long.MAX_VALUE));
      }
    }
    return out;
  }

  /** Numbers compared by value (the job config holds integers as Long), lists and maps deeply. */
  private static Object normal(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(k, normal(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(SettingsAgreeTest::normal).toList();
    }
    if (v instanceof Object[] a) {
      return normal(List.of(a));
    }
    return v;
  }

  /** A default as the doc table writes it: JSON, or a fraction such as 1/255. */
  private static Object docValue(String cell) {
    Matcher fraction = Pattern.compile("(\\d+)/(\\d+)").matcher(cell);
    if (fraction.matches()) {
      return Double.parseDouble(fraction.group(1)) / Double.parseDouble(fraction.group(2));
    }
    try {
      return Json.parse(cell, "docs/training.md");
    } catch (JsonException e) {
      throw new AssertionError("docs/training.md: the default '" + cell + "' is not JSON", e);
    }
  }

  interface Thrower {
    Object run() throws Exception;
  }

  interface Check {
    boolean test(Object v);
  }

  private static Place place(Thrower defaults, Check accepts) {
    return new Place() {
      @Override
      public Object defaultValue() {
        try {
          return defaults.run();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }

      @Override
      public boolean accepts(Object value) {
        return accepts.test(value);
      }
    };
  }

  /** True when {@code r} runs, false when it is refused with an IllegalArgumentException. */
  private static boolean throwsNot(Thrower r) {
    try {
      r.run();
      return true;
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException) {
        return false;
      }
      throw new AssertionError(e.getCause());
    } catch (IllegalArgumentException e) {
      return false; // JsonException is one
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Object invoke(Method m, Object target, Object... args) throws Exception {
    return m.invoke(target, args);
  }

  private static Method method(Class<?> c, String name, Class<?>... params) {
    try {
      return c.getMethod(name, params);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Class<?> primitive(TrainingSetting<?> s) {
    Class<?> t = s.type();
    return t == Integer.class
        ? int.class
        : t == Long.class
            ? long.class
            : t == Double.class ? double.class : t == Boolean.class ? boolean.class : String.class;
  }

  /** TrainerOptions' defaults with {@code s} set to {@code v}, a value of the setting's type. */
  private static <T> TrainerOptions with(TrainingSetting<T> s, Object v) {
    return TrainerOptions.defaults().with(s, s.type().cast(v));
  }
}
