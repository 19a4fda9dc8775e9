package org.sparkcnn.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The one finite-difference gradient checker every layer, activation and loss test uses: central
 * differences, f(x + h) - f(x - h) / 2h, compared with the analytic gradient by relative error with
 * an absolute floor: |a - n| <= absTol, or |a - n| / max(|a|, |n|) <= relTol.
 */
public final class GradientCheck {
  /** Double precision: h = 1e-6 gives ~1e-10 truncation + rounding error for smooth f. */
  public static final double H = 1e-6;

  public static final double REL_TOL = 1e-6;
  public static final double ABS_TOL = 1e-8;

  private GradientCheck() {}

  /**
   * Checks every coordinate of {@code point}: {@code f} is evaluated at perturbed copies of it,
   * {@code analytic} is the claimed gradient at the unperturbed point.
   */
  public static void check(
      String what, double[] point, double[] analytic, ToDoubleFunction<double[]> f) {
    check(what, point, analytic, f, H, REL_TOL, ABS_TOL);
  }

  public static void check(
      String what,
      double[] point,
      double[] analytic,
      ToDoubleFunction<double[]> f,
      double h,
      double relTol,
      double absTol) {
    double worst = 0;
    for (int i = 0; i < point.length; i++) {
      double saved = point[i];
      point[i] = saved + h;
      double plus = f.applyAsDouble(point);
      point[i] = saved - h;
      double minus = f.applyAsDouble(point);
      point[i] = saved;
      double numeric = (plus - minus) / (2 * h);
      double diff = Math.abs(numeric - analytic[i]);
      double rel = diff / Math.max(Math.abs(numeric), Math.abs(analytic[i]));
      if (diff > absTol && rel > relTol) {
        fail(
            String.format(
                "%s: gradient mismatch at index %d of %d: analytic %.10g, numeric "
                    + "%.10g, relative error %.3g (tolerance %.1g, absolute floor %.1g)",
                what, i, point.length, analytic[i], numeric, rel, relTol, absTol));
      }
      if (diff > absTol) {
        worst = Math.max(worst, rel);
      }
    }
  }

  /**
   * {@link #check} of the objective L = sum(r * y), where {@code forward} writes y from the point:
   * how a layer's backward is checked, with r the upstream gradient fed to it.
   */
  public static void checkThrough(
      String what,
      double[] point,
      double[] analytic,
      double[] r,
      double[] y,
      Consumer<double[]> forward) {
    check(
        what,
        point,
        analytic,
        v -> {
          forward.accept(v);
          return dot(r, y);
        });
  }

  /** Uniform values in [-1, 1), seeded. */
  public static double[] random(int count, long seed) {
    Random r = new Random(seed);
    double[] v = new double[count];
    for (int i = 0; i < count; i++) {
      v[i] = r.nextDouble() * 2 - 1;
    }
    return v;
  }

  /** sum_i r[i] * y[i]: a scalar objective whose gradient with respect to y is r. */
  public static double dot(double[] r, double[] y) {
    double s = 0;
    for (int i = 0; i < r.length; i++) {
      s += r[i] * y[i];
    }
    return s;
  }
}
