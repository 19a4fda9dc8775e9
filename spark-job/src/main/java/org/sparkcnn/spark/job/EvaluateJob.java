package org.sparkcnn.spark.job;

import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.RESCALE;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.metrics.ConfusionMatrix;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.datasets.BadFilePolicy;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.Predictions;
import org.sparkcnn.spark.SparkJobs;
import org.sparkcnn.spark.TrainerOptions;
import org.sparkcnn.spark.data.Blocks;
import org.sparkcnn.spark.data.ImageSource;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.ModelStore;
import org.sparkcnn.spark.report.RunEnvironment;
import org.sparkcnn.spark.report.RunReport;

/**
 * The evaluation job: {@code spark-submit --class org.sparkcnn.spark.job.EvaluateJob JOBJAR --model
 * DIR --data PATH [--format F] [--image-col C] [--label-col C] [--batch-size N] [--partitions N]}.
 * Prints the loss and accuracy of a saved model on labelled data, with the model's own rescale, as
 * a line of text and a line of JSON.
 */
public final class EvaluateJob {
  /** The help: {@code scripts/evaluate --help} prints it. */
  static String usage() {
    return Cli.usage(new JobCommands.Evaluate());
  }

  private EvaluateJob() {}

  /** What to evaluate, from the command line. */
  record Args(
      String model,
      String data,
      String format,
      String imageCol,
      String labelCol,
      String labelMode,
      int batchSize,
      int partitions,
      String report) {

    /** The arguments, or null when -h or --help was asked for. */
    static Args parse(String[] args) {
      JobCommands.Evaluate c = new JobCommands.Evaluate();
      if (!Cli.parse(c, args)) {
        return null;
      }
      return new Args(
          c.saved.model,
          c.data,
          c.columns.format,
          c.columns.imageCol,
          c.labelCol,
          c.labelMode == null || c.labelMode.isEmpty() ? null : c.labelMode,
          JobCommands.intAtLeast("--batch-size", c.batch.batchSize, 1),
          JobCommands.intAtLeast("--partitions", c.partitions, 0),
          c.report);
    }
  }

  /** The label_mode the training job's config named, or null (derive it from the loss). */
  static String savedLabelMode(ModelDirectory.Loaded loaded) {
    Map<String, Object> facts = loaded.info().training();
    if (facts.get("label_mode") instanceof String mode) {
      return mode;
    }
    if (facts.get("config") instanceof Map<?, ?> m
        && m.get("label_mode") instanceof String mode
        && !mode.equals("auto")) {
      return mode;
    }
    return null;
  }

  public static void main(String[] argv) {
    JobSupport.main("evaluate", argv, Args::parse, EvaluateJob::usage, (spark, a) -> run(spark, a));
  }

  /** Evaluates and prints; returns {loss, accuracy, examples, seconds}. */
  public static Map<String, Object> run(SparkSession spark, Args args) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ModelDirectory.Loaded loaded;
    try {
      loaded = ModelStore.load(args.model(), jsc.hadoopConfiguration());
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    Sequential model = loaded.model();
    if (model.loss() == null || model.optimizer() == null) {
      // Evaluation needs a loss; the optimizer is never used. A model saved without one is
      // evaluated as Keras would compile its last activation: sigmoid → binary cross-entropy.
      String loss =
          model.loss() != null
              ? model.loss().kerasName()
              : model.layers().get(model.layers().size() - 1).activation() == Activation.SIGMOID
                  ? "binary_crossentropy"
                  : "sparse_categorical_crossentropy";
      model.compile(loss, new Adam(0.001), "accuracy");
    }
    double rescale = loaded.info().rescale();
    String labelMode = args.labelMode() != null ? args.labelMode() : savedLabelMode(loaded);
    ModelInput input = ModelInput.of(model, rescale, labelMode);
    int partitions = args.partitions() > 0 ? args.partitions() : jsc.defaultParallelism();
    ImageSource source =
        DataSources.open(
            spark,
            args.data(),
            args.format(),
            args.imageCol(),
            args.labelCol(),
            input,
            loaded.info().classNames(),
            false,
            BadFilePolicy.FAIL);
    long rows = Blocks.requireRows(source, "evaluation");
    long started = System.nanoTime();
    JavaRDD<ImageBlock> blocks = Blocks.cached(source, 0, rows, partitions, "evaluation");
    TrainerOptions options =
        TrainerOptions.defaults().with(BATCH_SIZE, args.batchSize()).with(RESCALE, rescale);
    BatchStats s =
        SparkJobs.run(
            jsc.sc(),
            SparkJobs.Phase.EVALUATE,
            "evaluate " + args.model() + " on " + args.data(),
            () -> new DistributedTrainer(jsc, model, options, input.targets()).evaluate(blocks));
    // A multi-label model has no single predicted class: no confusion matrix.
    ConfusionMatrix confusion =
        input.targets().takesClassIndex()
            ? Predictions.confusion(jsc, model, blocks, rescale)
            : null;
    blocks.unpersist(false);
    double seconds = (System.nanoTime() - started) / 1e9;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("loss", s.meanLoss());
    out.put("accuracy", model.accuracy() == null ? null : s.accuracy());
    out.put("accuracy_metric", Metrics.accuracyName(model));
    out.put("label_mode", input.targets().mode().kerasName());
    out.put("examples", s.count());
    out.put("seconds", seconds);
    System.out.println(
        JobSupport.format(
            "test_loss: %.4f - test_accuracy: %s - %d images - %.1f s (%s, %s)",
            s.meanLoss(),
            model.accuracy() == null ? "n/a" : JobSupport.format("%.4f", s.accuracy()),
            s.count(),
            seconds,
            input.targets().describe(),
            Metrics.accuracyName(model)));
    List<String> names = loaded.info().classNames();
    if (confusion != null) {
      System.out.print(
          "\nconfusion matrix (rows: true class, columns: predicted)\n"
              + confusion.toText(names)
              + "\n"
              + confusion.reportText(names)
              + "\n");
    }
    System.out.println(Json.writeCompact(out));
    if (args.report() != null) {
      writeReport(spark, args, model, names, out, confusion);
    }
    return out;
  }

  private static void writeReport(
      SparkSession spark,
      Args args,
      Sequential model,
      List<String> names,
      Map<String, Object> figures,
      ConfusionMatrix confusion) {
    Map<String, Object> evaluation = new LinkedHashMap<>();
    evaluation.put("evaluated on", args.data());
    evaluation.put("loss", figures.get("loss"));
    evaluation.put("accuracy", figures.get("accuracy"));
    evaluation.put("examples", figures.get("examples"));
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("model", args.model());
    arguments.put("data", args.data());
    arguments.put("format", args.format());
    arguments.put("image_col", args.imageCol());
    arguments.put("label_col", args.labelCol());
    arguments.put("batch_size", args.batchSize());
    new RunReport(
            args.report(),
            spark.sparkContext().hadoopConfiguration(),
            "spark-cnn evaluate: " + args.model() + " on " + args.data(),
            model.summary(),
            Json.write(arguments),
            RunEnvironment.of(spark.sparkContext()),
            names)
        .finish(evaluation, confusion);
    System.out.println("spark-cnn evaluate: wrote " + args.report() + "/" + RunReport.HTML);
  }
}
