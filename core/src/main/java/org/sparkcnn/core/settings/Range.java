package org.sparkcnn.core.settings;

import java.util.Locale;

/**
 * The values a numeric setting accepts: an interval whose ends may be open, closed or absent
 * (infinite). Spark ML's {@code ParamValidators.inRange} takes the same four numbers.
 */
public record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {

  /** Every value. */
  public static final Range ANY =
      new Range(Double.NEGATIVE_INFINITY, true, Double.POSITIVE_INFINITY, true);

  /** {@code [min, ∞)}. */
  public static Range atLeast(double min) {
    return new Range(min, true, Double.POSITIVE_INFINITY, true);
  }

  /** {@code (min, ∞)}. */
  public static Range above(double min) {
    return new Range(min, false, Double.POSITIVE_INFINITY, true);
  }

  /** {@code [min, max]}. */
  public static Range between(double min, double max) {
    return new Range(min, true, max, true);
  }

  public boolean contains(double v) {
    return (minInclusive ? v >= min : v > min) && (maxInclusive ? v <= max : v < max);
  }

  /**
   * In words, as errors and the docs say it: "a positive integer", "an integer >= 0", "a number in
   * [0, 1)".
   */
  public String describe(boolean integral) {
    String kind = integral ? "an integer" : "a number";
    boolean noMin = min == Double.NEGATIVE_INFINITY;
    boolean noMax = max == Double.POSITIVE_INFINITY;
    if (noMin && noMax) {
      return kind;
    }
    if (noMax) {
      if (integral && minInclusive && min == 1 || !integral && !minInclusive && min == 0) {
        return integral ? "a positive integer" : "a positive number";
      }
      return kind + (minInclusive ? " >= " : " > ") + number(min);
    }
    if (noMin) {
      return kind + (maxInclusive ? " <= " : " < ") + number(max);
    }
    return kind
        + " in "
        + (minInclusive ? "[" : "(")
        + number(min)
        + ", "
        + number(max)
        + (maxInclusive ? "]" : ")");
  }

  private static String number(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
  }
}
