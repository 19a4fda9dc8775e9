package org.sparkcnn.core.activations;

import java.util.Arrays;
import java.util.Locale;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Keras' element-wise activations and softmax, with their reference math in double precision.
 *
 * <p>Every backward pass is written in terms of the forward output y (not the input), so a layer
 * only needs to keep its output: relu' = [y > 0], sigmoid' = y (1 - y), tanh' = 1 - y^2, and
 * softmax's Jacobian-vector product dx_i = y_i (dy_i - sum_j dy_j y_j) over the last axis.
 */
public enum Activation {
  LINEAR,
  RELU,
  SIGMOID,
  TANH,
  SOFTMAX;

  public String kerasName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Activation fromKeras(String name) {
    for (Activation a : values()) {
      if (a.kerasName().equals(name)) {
        return a;
      }
    }
    throw ErrorText.problem("unknown activation")
        .received(ErrorText.quote(name))
        .expected("one of " + Arrays.toString(kerasNames()))
        .illegalArgument();
  }

  public static String[] kerasNames() {
    return Arrays.stream(values()).map(Activation::kerasName).toArray(String[]::new);
  }

  /** y = f(x) for {@code rows} rows of {@code width} values (softmax normalises each row). */
  public void forward(int rows, int width, double[] x, double[] y) {
    int count = rows * width;
    switch (this) {
      case LINEAR -> System.arraycopy(x, 0, y, 0, count);
      case RELU -> {
        for (int i = 0; i < count; i++) {
          y[i] = x[i] > 0 ? x[i] : 0;
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < count; i++) {
          y[i] = sigmoid(x[i]);
        }
      }
      case TANH -> {
        for (int i = 0; i < count; i++) {
          y[i] = Math.tanh(x[i]);
        }
      }
      case SOFTMAX -> {
        for (int r = 0; r < rows; r++) {
          int o = r * width;
          // Subtracting the row maximum keeps exp() finite for any logits.
          double max = Double.NEGATIVE_INFINITY;
          for (int i = 0; i < width; i++) {
            max = Math.max(max, x[o + i]);
          }
          double sum = 0;
          for (int i = 0; i < width; i++) {
            y[o + i] = Math.exp(x[o + i] - max);
            sum += y[o + i];
          }
          for (int i = 0; i < width; i++) {
            y[o + i] /= sum;
          }
        }
      }
    }
  }

  /** dx = f'(x) dy, written in terms of the forward output y. */
  public void backward(int rows, int width, double[] y, double[] dy, double[] dx) {
    int count = rows * width;
    switch (this) {
      case LINEAR -> System.arraycopy(dy, 0, dx, 0, count);
      case RELU -> {
        for (int i = 0; i < count; i++) {
          dx[i] = y[i] > 0 ? dy[i] : 0;
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < count; i++) {
          dx[i] = dy[i] * y[i] * (1 - y[i]);
        }
      }
      case TANH -> {
        for (int i = 0; i < count; i++) {
          dx[i] = dy[i] * (1 - y[i] * y[i]);
        }
      }
      case SOFTMAX -> {
        for (int r = 0; r < rows; r++) {
          int o = r * width;
          double dot = 0;
          for (int i = 0; i < width; i++) {
            dot += dy[o + i] * y[o + i];
          }
          for (int i = 0; i < width; i++) {
            dx[o + i] = y[o + i] * (dy[o + i] - dot);
          }
        }
      }
    }
  }

  /** A sigmoid that never overflows: exp() only ever sees a non-positive argument. */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }
}
