package org.sparkcnn.spark.ml;

import java.io.IOException;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.spark.compat.SparkInternals;
import org.sparkcnn.spark.io.ModelStore;

/**
 * Spark SQL functions that score images with a saved model. One call registers a model under a
 * name; the functions then work in SQL and, through {@code functions.call_udf}, in the DataFrame
 * API:
 *
 * <pre>
 * CnnFunctions.register(spark, "fmnist", "runs/fmnist/model");
 * spark.sql("SELECT id, fmnist(image) AS prediction, fmnist_proba(image) FROM images");
 * df.select(call_udf("fmnist", col("image")));
 * </pre>
 *
 * <table>
 *   <caption>Functions registered for a name N</caption>
 *   <tr><td>{@code N(image)}</td><td>double: the predicted class index (transform's {@code
 *       prediction}); array&lt;double&gt; of 0/1 per label for a multi-label model</td></tr>
 *   <tr><td>{@code N_proba(image)}</td><td>array&lt;float&gt;: the class probabilities
 *       ({@code probability}: [1 - p, p] for one sigmoid output)</td></tr>
 *   <tr><td>{@code N_raw(image)}</td><td>array&lt;float&gt;: the last layer's values before its
 *       final activation ({@code rawPrediction}: [-z, z] for one sigmoid output)</td></tr>
 *   <tr><td>{@code N_label(image)}</td><td>string: the predicted class name (array&lt;string&gt;
 *       of the labels predicted 1 for a multi-label model); only registered when the model has
 *       class names</td></tr>
 *   <tr><td>{@code N_error(image)}</td><td>string: null when the image can be scored, else
 *       the problem</td></tr>
 * </table>
 *
 * <p>{@code image} is any image column the trainer accepts: binary (PNG/JPEG bytes),
 * array&lt;int&gt; of raw pixels, array&lt;float|double&gt; of model inputs, or Spark's image
 * struct, decoded with the same rules (see {@link org.sparkcnn.spark.data.ImageColumns}). A null or
 * bad image gives null from every function but {@code N_error}, which gives its problem; the query
 * never fails because of one row.
 *
 * <p>Speed: the weights are broadcast once per registration and the network is built once per
 * executor JVM. Calls in a SELECT list ({@code select(...)}, {@code withColumn}), a WHERE, an ORDER
 * BY or a GROUP BY are scored in batches of 256 images per partition: an optimizer rule ({@link
 * BatchScoringRule}, added to the session by the first registration) turns all calls of one model
 * on one image expression into one batched pass, as {@code transform} does. Elsewhere (a join
 * condition, a window) each call is a forward pass of one image; several of the functions on the
 * same image in one row still cost one pass, as each thread remembers the last image it scored.
 */
public final class CnnFunctions {
  private CnnFunctions() {}

  /**
   * Registers the model directory {@code modelDir} (a training job's {@code model/}, or a saved
   * {@link CnnClassificationModel}; any Hadoop path) under {@code name}.
   *
   * @return the names registered, e.g. [fmnist, fmnist_proba, fmnist_raw, fmnist_label,
   *     fmnist_error]
   */
  public static List<String> register(SparkSession spark, String name, String modelDir) {
    ModelDirectory.Loaded loaded;
    try {
      loaded = ModelStore.load(modelDir, spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return register(spark, name, new CnnClassificationModel(loaded.model(), loaded.info()));
  }

  /** Registers a model in memory (e.g. just fitted) under {@code name}. */
  public static List<String> register(
      SparkSession spark, String name, CnnClassificationModel model) {
    if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw ErrorText.problem("function name is not a SQL identifier")
          .received(name == null ? "null" : ErrorText.quote(name))
          .expected("letters, digits and underscores, not starting with a digit, e.g. \"fmnist\"")
          .illegalArgument();
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<float[]> weights = jsc.broadcast(model.network().parameters());
    ImageUdf.Model m =
        new ImageUdf.Model(
            name + "#" + model.uid() + "#" + weights.id(),
            ModelSpec.toJson(model.network()),
            model.input(),
            model.checkedClassNames(),
            weights,
            model.outputKind());
    OutputKind kind = m.kind();
    DataType floats = DataTypes.createArrayType(DataTypes.FloatType, false);
    register(spark, name, m, ImageUdf.Output.PREDICTION, kind.predictionType());
    register(spark, name + "_proba", m, ImageUdf.Output.PROBABILITY, floats);
    register(spark, name + "_raw", m, ImageUdf.Output.RAW_PREDICTION, floats);
    register(spark, name + "_error", m, ImageUdf.Output.ERROR, DataTypes.StringType);
    BatchScoringRule.install(spark);
    if (m.classNames() == null) {
      return List.of(name, name + "_proba", name + "_raw", name + "_error");
    }
    register(spark, name + "_label", m, ImageUdf.Output.LABEL, kind.labelType());
    return List.of(name, name + "_proba", name + "_raw", name + "_label", name + "_error");
  }

  private static void register(
      SparkSession spark, String name, ImageUdf.Model m, ImageUdf.Output output, DataType type) {
    UserDefinedFunction f = functions.udf(new ImageUdf(m, output), type);
    // The optimizer rule knows the function's calls by the Scala function inside them.
    BatchScoringRule.register(
        SparkInternals.udfFunction(f), new BatchScoringRule.Target(m, output));
    spark.udf().register(name, f);
  }
}
