package org.sparkcnn.spark.ml;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.spark.data.ModelInput;

/**
 * How a model's K outputs become Spark ML's classifier columns, by what its last layer is. In every
 * kind {@code rawPrediction} and {@code probability} are vectors of the same width, and {@code
 * rawPrediction} holds the last layer's values before its final softmax/sigmoid (z):
 *
 * <table>
 *   <caption>Columns per kind</caption>
 *   <tr><th>kind</th><th>rawPrediction</th><th>probability</th><th>prediction</th>
 *       <th>predicted_label</th></tr>
 *   <tr><td>{@link #MULTICLASS}: softmax (or no final activation), K outputs</td><td>z (K)</td>
 *       <td>the outputs (K)</td><td>double: argmax</td><td>string</td></tr>
 *   <tr><td>{@link #BINARY}: one sigmoid output p = sigmoid(z)</td><td>[-z, z]</td>
 *       <td>[1 - p, p]</td><td>double: 1 if p &gt; 0.5, else 0</td><td>string: class 0 or 1</td>
 *       </tr>
 *   <tr><td>{@link #MULTI_LABEL}: K &gt; 1 sigmoid outputs</td><td>z (K)</td>
 *       <td>the K independent probabilities</td><td>array&lt;double&gt;: 1 where p &gt; 0.5</td>
 *       <td>array&lt;string&gt;: the names of those labels</td></tr>
 * </table>
 *
 * <p>BINARY follows Spark's binary LogisticRegression ([-margin, margin], [1 - p, p]), so that
 * {@code BinaryClassificationEvaluator} (which reads element 1 of rawPrediction) and {@code
 * MulticlassClassificationEvaluator} (prediction against a 0/1 label; log loss from the probability
 * vector) take the output as it is. MULTI_LABEL keeps one value per label in every column, in the
 * layout of its training labels (an array of K values in {0, 1}), so a prediction compares with its
 * label element by element.
 */
enum OutputKind {
  MULTICLASS,
  BINARY,
  MULTI_LABEL;

  static OutputKind of(Sequential net) {
    Activation last = net.outputActivation();
    int outputs = net.outputShape().size();
    if (last == Activation.SIGMOID) {
      return outputs == 1 ? BINARY : MULTI_LABEL;
    }
    return MULTICLASS;
  }

  static OutputKind of(String spec) {
    return of(ScoringModels.get(spec));
  }

  /** Values in the rawPrediction and probability vectors of a model with {@code outputs}. */
  int width(int outputs) {
    return this == BINARY ? 2 : outputs;
  }

  /**
   * The prediction column's type: double, as in every Spark ML classifier (whose evaluators require
   * it), holding a class index; per label for MULTI_LABEL.
   */
  DataType predictionType() {
    return this == MULTI_LABEL
        ? DataTypes.createArrayType(DataTypes.DoubleType, false)
        : DataTypes.DoubleType;
  }

  /** The predicted label column's type. */
  DataType labelType() {
    return this == MULTI_LABEL
        ? DataTypes.createArrayType(DataTypes.StringType, false)
        : DataTypes.StringType;
  }

  /** The classes the labels name: K outputs, or 2 for one sigmoid output. */
  int classes(ModelInput input) {
    return this == BINARY ? 2 : input.classes();
  }

  /**
   * Writes one example's probability vector (width values) into dst from its outputs out[base ..
   * base + outputs).
   */
  void probability(float[] out, int base, int outputs, double[] dst) {
    if (this == BINARY) {
      dst[0] = 1 - (double) out[base];
      dst[1] = out[base];
      return;
    }
    for (int c = 0; c < outputs; c++) {
      dst[c] = out[base + c];
    }
  }

  /** Writes one example's rawPrediction vector (width values) into dst from its logits. */
  void raw(float[] logits, int base, int outputs, double[] dst) {
    if (this == BINARY) {
      dst[0] = -(double) logits[base];
      dst[1] = logits[base];
      return;
    }
    for (int c = 0; c < outputs; c++) {
      dst[c] = logits[base + c];
    }
  }

  /** The predicted class of a MULTICLASS or BINARY example. */
  int prediction(float[] out, int base, int outputs) {
    if (this == BINARY) {
      return out[base] > 0.5f ? 1 : 0;
    }
    int best = 0;
    for (int c = 1; c < outputs; c++) {
      if (out[base + c] > out[base + best]) {
        best = c;
      }
    }
    return best;
  }

  /** The 0/1 prediction per label of a MULTI_LABEL example. */
  int[] predictions(float[] out, int base, int outputs) {
    int[] p = new int[outputs];
    for (int c = 0; c < outputs; c++) {
      p[c] = out[base + c] > 0.5f ? 1 : 0;
    }
    return p;
  }

  /** A MULTI_LABEL prediction as the prediction column holds it. */
  static double[] asDoubles(int[] predictions) {
    double[] d = new double[predictions.length];
    for (int c = 0; c < d.length; c++) {
      d[c] = predictions[c];
    }
    return d;
  }

  /** How many labels of a MULTI_LABEL prediction are 1. */
  static int positives(int[] predictions) {
    int n = 0;
    for (int v : predictions) {
      n += v;
    }
    return n;
  }
}
