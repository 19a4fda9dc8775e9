package org.sparkcnn.spark.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.sparkcnn.core.settings.TrainingSetting;
import org.sparkcnn.core.settings.TrainingSettings;

/**
 * Spark ML params made from the training settings declared in {@link TrainingSettings}: the param's
 * name, doc and validator are the setting's (its default is set by the owner, which alone may call
 * {@code setDefault}).
 */
final class SettingParams {
  private SettingParams() {}

  static IntParam ints(Identifiable parent, TrainingSetting<Integer> s) {
    return new IntParam(
        parent,
        s.name(),
        s.description(),
        ParamValidators.inRange(
            s.range().min(), s.range().max(), s.range().minInclusive(), s.range().maxInclusive()));
  }

  static LongParam longs(Identifiable parent, TrainingSetting<Long> s) {
    return new LongParam(
        parent,
        s.name(),
        s.description(),
        ParamValidators.inRange(
            s.range().min(), s.range().max(), s.range().minInclusive(), s.range().maxInclusive()));
  }

  static DoubleParam doubles(Identifiable parent, TrainingSetting<Double> s) {
    return new DoubleParam(
        parent,
        s.name(),
        s.description(),
        ParamValidators.inRange(
            s.range().min(), s.range().max(), s.range().minInclusive(), s.range().maxInclusive()));
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
}
