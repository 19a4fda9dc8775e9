package org.sparkcnn.core.layers;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Keras' weight initializers. fanIn and fanOut follow Keras: for a Dense kernel (I, O) they are I
 * and O; for a Conv2D kernel (KH, KW, C, F) they are KH*KW*C and KH*KW*F.
 */
public enum Initializer {
  /** Uniform on [-limit, limit] with limit = sqrt(6 / (fanIn + fanOut)). Keras' kernel default. */
  GLOROT_UNIFORM("glorot_uniform", "GlorotUniform"),
  /**
   * Truncated normal (re-drawn beyond 2 standard deviations) with stddev sqrt(2 / fanIn), scaled by
   * 1/0.8796 so the truncated distribution keeps that variance, as Keras' VarianceScaling does.
   */
  HE_NORMAL("he_normal", "HeNormal"),
  ZEROS("zeros", "Zeros");

  private final String kerasName;
  private final String kerasClassName;

  Initializer(String kerasName, String kerasClassName) {
    this.kerasName = kerasName;
    this.kerasClassName = kerasClassName;
  }

  public String kerasName() {
    return kerasName;
  }

  /** The class name Keras writes in model.to_json(), e.g. "GlorotUniform". */
  public String kerasClassName() {
    return kerasClassName;
  }

  /** Accepts the snake_case name ("glorot_uniform") or the class name ("GlorotUniform"). */
  public static Initializer fromKeras(String name) {
    for (Initializer i : values()) {
      if (i.kerasName.equals(name)
          || i.kerasClassName.equals(name)
          || i.name().equals(name.toUpperCase(Locale.ROOT))) {
        return i;
      }
    }
    throw ErrorText.problem("unknown initializer")
        .received(ErrorText.quote(name))
        .expected(
            "one of "
                + Arrays.toString(Arrays.stream(values()).map(Initializer::kerasName).toArray()))
        .illegalArgument();
  }

  /** Fills {@code count} floats of {@code params} from {@code offset}. */
  public void fill(float[] params, int offset, int count, int fanIn, int fanOut, Random rng) {
    switch (this) {
      case ZEROS -> Arrays.fill(params, offset, offset + count, 0f);
      case GLOROT_UNIFORM -> {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < count; i++) {
          params[offset + i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
      }
      case HE_NORMAL -> {
        double stddev = Math.sqrt(2.0 / fanIn) / 0.87962566103423978;
        for (int i = 0; i < count; i++) {
          double z;
          do {
            z = rng.nextGaussian();
          } while (Math.abs(z) > 2);
          params[offset + i] = (float) (z * stddev);
        }
      }
    }
  }
}
