package org.sparkcnn.spark.ml;

import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable;
import org.sparkcnn.core.settings.Range;
import org.sparkcnn.core.settings.TrainingSetting;
import org.sparkcnn.core.settings.TrainingSettings;

/**
 * Spark ML params made from the training settings declared in {@link TrainingSettings}: the param's
 * name, doc and validator are the setting's (its default is set by the owner, which alone may call
 * {@code setDefault}; {@link #defaultValue} gives it in the param's type).
 */
final class SettingParams {
  private SettingParams() {}

  static IntParam ints(Identifiable parent, TrainingSetting<Integer> s) {
    Range r = s.range();
    return new IntParam(
        parent,
        s.name(),
        s.description(),
        ParamValidators.inRange(r.min(), r.max(), r.minInclusive(), r.maxInclusive()));
  }

  static LongParam longs(Identifiable parent, TrainingSetting<Long> s) {
    Range r = s.range();
    return new LongParam(
        parent,
        s.name(),
        s.description(),
        ParamValidators.inRange(r.min(), r.max(), r.minInclusive(), r.maxInclusive()));
  }

  static DoubleParam doubles(Identifiable parent, TrainingSetting<Double> s) {
    Range r = s.range();
    return new DoubleParam(
        parent,
        s.name(),
        s.description(),
        ParamValidators.inRange(r.min(), r.max(), r.minInclusive(), r.maxInclusive()));
  }

  static BooleanParam booleans(Identifiable parent, TrainingSetting<Boolean> s) {
    return new BooleanParam(parent, s.name(), s.description());
  }

  /** A string param; with choices, only those are valid. */
  static Param<String> strings(Identifiable parent, TrainingSetting<String> s) {
    if (s.choices() == null) {
      return new Param<>(parent, s.name(), s.description());
    }
    return new Param<>(
        parent,
        s.name(),
        s.description() + " (" + s.expected() + ")",
        ParamValidators.inArray(s.choices().toArray(new String[0])));
  }

  /** A list of strings, as Spark ML holds one: a {@code String[]}. */
  static StringArrayParam stringArrays(Params parent, TrainingSetting<List<String>> s) {
    return new StringArrayParam(parent, s.name(), s.description());
  }

  /** The setting's default as its param holds it (a list as {@code String[]}). */
  static Object defaultValue(TrainingSetting<?> s) {
    return s.defaultValue() instanceof List<?> list
        ? list.toArray(new String[0])
        : s.defaultValue();
  }
}
