package org.sparkcnn.spark.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.core.cli.Cli;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.Json;
import org.sparkcnn.core.io.ModelDirectory;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.io.WeightsFile;
import org.sparkcnn.core.metrics.ConfusionMatrix;
import org.sparkcnn.core.model.BatchStats;
import org.sparkcnn.core.model.ProgressBar;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.datasets.SkippedFile;
import org.sparkcnn.spark.DistributedTrainer;
import org.sparkcnn.spark.DivergenceGuard;
import org.sparkcnn.spark.EpochReport;
import org.sparkcnn.spark.ImageBlock;
import org.sparkcnn.spark.Predictions;
import org.sparkcnn.spark.ResumePoint;
import org.sparkcnn.spark.SparkJobs;
import org.sparkcnn.spark.TrainerOptions;
import org.sparkcnn.spark.data.Blocks;
import org.sparkcnn.spark.data.ImageSource;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.CheckpointStore;
import org.sparkcnn.spark.io.HadoopFiles;
import org.sparkcnn.spark.io.OutputDirectory;
import org.sparkcnn.spark.io.OutputLock;
import org.sparkcnn.spark.io.StorageErrors;
import org.sparkcnn.spark.io.TrainingCheckpoints;
import org.sparkcnn.spark.report.EpochLog;
import org.sparkcnn.spark.report.RunReport;
import org.sparkcnn.spark.report.tensorboard.TensorBoardLog;

/**
 * The training job: {@code spark-submit --class org.sparkcnn.spark.job.TrainJob JOBJAR --config
 * FILE [--set key=value]...}. Builds the model from its Keras spec, decodes the data once into
 * cached blocks, trains synchronously on Spark, evaluates the test data, and writes {@code
 * output/model/} (model directory), {@code output/metrics.json} and {@code output/config.json} (the
 * effective config). Progress goes to stdout.
 */
public final class TrainJob {
  /** The help: {@code scripts/train --help} prints it. */
  static String usage() {
    return Cli.usage(new JobCommands.Train());
  }

  /** The output's folder of checkpoints. */
  public static final String CHECKPOINTS_DIR = "checkpoints";

  private TrainJob() {}

  /** What to train, from the command line: the config file and its overrides, in order. */
  record Args(String config, List<String> sets) {

    /** The arguments, or null when -h or --help was asked for. */
    static Args parse(String[] args) {
      JobCommands.Train c = new JobCommands.Train();
      if (!Cli.parse(c, args)) {
        return null;
      }
      // --resume, then the Keras-style shortcuts, then --set: an explicit --set wins.
      List<String> sets = new ArrayList<>();
      if (c.resume) {
        sets.add("resume=true");
      }
      for (int i = 0; i < c.shortcuts.size(); i++) {
        String flag = c.shortcuts.get(i);
        boolean option = flag.startsWith("--");
        int eq = flag.indexOf('=');
        String key = option ? flag.substring(2, eq < 0 ? flag.length() : eq).replace('-', '_') : "";
        boolean hasValue = eq >= 0 || i + 1 < c.shortcuts.size();
        if (!option || key.isEmpty() || !hasValue) {
          throw new IllegalArgumentException(
              ErrorText.problem(option ? flag + " needs a value" : "unknown argument")
                  .received(flag)
                  .expected("an option of scripts/train, or --KEY VALUE for --set KEY=VALUE")
                  .hint(
                      option
                          ? "write it as " + flag + " VALUE or --set " + key + "=VALUE"
                          : "run with --help for the options")
                  .text());
        }
        sets.add(key + "=" + (eq >= 0 ? flag.substring(eq + 1) : c.shortcuts.get(++i)));
      }
      sets.addAll(c.sets);
      return new Args(c.config, sets);
    }
  }

  public static void main(String[] argv) {
    JobSupport.main(
        "train",
        argv,
        Args::parse,
        TrainJob::usage,
        (spark, args) ->
            run(
                spark,
                JobConfig.parse(
                    JobSupport.readText(
                        args.config(), spark.sparkContext().hadoopConfiguration(), "job config"),
                    args.config(),
                    args.sets())));
  }

  /** Runs the job; returns what metrics.json holds. */
  public static Map<String, Object> run(SparkSession spark, JobConfig cfg) throws IOException {
    return run(spark, cfg, null);
  }

  /** As {@link #run(SparkSession, JobConfig)}, with {@code observer} told of every step. */
  static Map<String, Object> run(
      SparkSession spark, JobConfig cfg, DistributedTrainer.StepObserver observer)
      throws IOException {
    return run(spark, cfg, observer, ProgressBar.console(cfg.verbose()));
  }

  /** As above, with the progress drawn on {@code bar} instead of the console's. */
  static Map<String, Object> run(
      SparkSession spark, JobConfig cfg, DistributedTrainer.StepObserver observer, ProgressBar bar)
      throws IOException {
    long started = System.nanoTime();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = jsc.hadoopConfiguration();
    System.out.println("spark-cnn train: effective config\n" + cfg.toJson());

    Sequential model = buildModel(cfg, hadoop);
    ModelInput input = ModelInput.of(model, cfg.rescale(), cfg.labelMode());
    int partitions = cfg.partitions() > 0 ? cfg.partitions() : jsc.defaultParallelism();

    long decodeStarted = System.nanoTime();
    ImageSource train = open(spark, cfg, cfg.trainData(), input);
    long total = Blocks.requireRows(train, "training");
    long n = cfg.trainLimit() > 0 ? Math.min(total, cfg.trainLimit()) : total;
    long trainEnd = n;
    JavaRDD<ImageBlock> validation = null;
    long validationRows = 0;
    if (cfg.validationSplit() > 0) {
      trainEnd = Blocks.splitAt(n, cfg.validationSplit(), train.describe());
      validation = Blocks.cached(train, trainEnd, n, partitions, "validation");
      validationRows = n - trainEnd;
    } else if (cfg.validationData() != null) {
      ImageSource v = open(spark, cfg, cfg.validationData(), input);
      validationRows = Blocks.requireRows(v, "validation");
      validation = Blocks.cached(v, 0, validationRows, partitions, "validation");
    }
    JavaRDD<ImageBlock> trainBlocks = Blocks.cached(train, 0, trainEnd, partitions, "training");
    List<String> classNames = cfg.classNames() != null ? cfg.classNames() : train.classNames();
    Preflight.checkClassNames(classNames, input);
    System.out.println(
        JobSupport.format(
            "spark-cnn train: %d training rows, %d validation rows, "
                + "%d partitions, %s, %,d parameters, %s, metric %s "
                + "(data read, decoded and cached in %.1f s)",
            trainEnd,
            validationRows,
            partitions,
            model.describe(),
            model.paramCount(),
            input.targets().describe(),
            Metrics.accuracyName(model),
            (System.nanoTime() - decodeStarted) / 1e9));

    Map<String, Object> settings = cfg.effective();
    TrainerOptions options = TrainerOptions.from(s -> settings.get(s.key()));
    DistributedTrainer trainer =
        new DistributedTrainer(jsc, model, options, input.targets())
            .guard(new DivergenceGuard(cfg.terminateOnNaN(), cfg.maxLoss()))
            .syncTopology(cfg.syncTopology())
            .onStep(observer);
    TrainingCheckpoints checkpoints =
        new TrainingCheckpoints(
            model,
            new CheckpointStore(
                new Path(cfg.output(), CHECKPOINTS_DIR), hadoop, cfg.keepCheckpoints()),
            cfg.checkpointEverySteps(),
            identity(cfg, model, trainEnd, validationRows, partitions));
    // One writer per output; taken once the config and the data have been checked, so a job that
    // fails early leaves no trace. A run killed while holding it leaves a stale lock the next
    // run takes over (same host: its process is gone; elsewhere: its lease expired).
    try (OutputLock lock = lock(cfg.output(), hadoop)) {
      OutputDirectory out = new OutputDirectory(cfg.output(), hadoop, lock.run());
      recover(out, cfg.output());
      ResumePoint from = resumePoint(cfg, checkpoints);
      trainer.resumeFrom(from).checkpoints(checkpoints);
      TensorBoardLog tensorBoard = TrainReports.tensorBoard(cfg, hadoop);
      trainer.onStep(
          TrainReports.steps(observer, tensorBoard, bar, cfg.epochs(), model.accuracy() != null));
      double learningRate = TrainReports.learningRate(model);
      RunReport report = TrainReports.start(spark, cfg, model, classNames, from, learningRate);
      List<EpochReport> history =
          trainer.fit(
              trainBlocks,
              validation,
              r -> {
                bar.epochEnd(r.toString());
                report.epochDone(EpochLog.of(r, learningRate));
                if (tensorBoard != null) {
                  tensorBoard.epochDone(EpochLog.of(r, learningRate));
                }
              });
      if (tensorBoard != null) {
        tensorBoard.close();
      }
      System.out.println("spark-cnn train: " + checkpoints.savedSummary());
      trainBlocks.unpersist(false);
      Map<String, Object> finalEvaluation = null;
      ConfusionMatrix confusion = null;
      boolean classIndex = input.targets().takesClassIndex();
      if (validation != null && cfg.testData() == null) {
        confusion =
            classIndex ? Predictions.confusion(jsc, model, validation, cfg.rescale()) : null;
        finalEvaluation = TrainReports.validationFigures(history, validationRows);
      }
      if (validation != null) {
        validation.unpersist(false);
      }

      Map<String, Object> test = null;
      if (cfg.testData() != null) {
        ImageSource t = open(spark, cfg, cfg.testData(), input);
        long rows = Blocks.requireRows(t, "test");
        JavaRDD<ImageBlock> testBlocks = Blocks.cached(t, 0, rows, partitions, "test");
        long evalStarted = System.nanoTime();
        BatchStats s =
            SparkJobs.run(
                jsc.sc(),
                SparkJobs.Phase.EVALUATE,
                "test evaluation",
                () -> trainer.evaluate(testBlocks));
        confusion =
            classIndex ? Predictions.confusion(jsc, model, testBlocks, cfg.rescale()) : null;
        testBlocks.unpersist(false);
        test = new LinkedHashMap<>();
        test.put("loss", s.meanLoss());
        test.put("accuracy", model.accuracy() == null ? null : s.accuracy());
        test.put("examples", s.count());
        test.put("seconds", (System.nanoTime() - evalStarted) / 1e9);
        System.out.println(
            JobSupport.format(
                "spark-cnn train: test loss %.4f, test accuracy %s " + "(%d images)",
                s.meanLoss(),
                model.accuracy() == null ? "n/a" : JobSupport.format("%.4f", s.accuracy()),
                s.count()));
      }

      Map<String, Object> metrics =
          Metrics.of(
              history,
              test,
              trainEnd,
              validationRows,
              partitions,
              spark,
              (System.nanoTime() - started) / 1e9);
      metrics.put("label_mode", input.targets().mode().kerasName());
      metrics.put("accuracy_metric", Metrics.accuracyName(model));
      report.finish(test != null ? TrainReports.testFigures(test) : finalEvaluation, confusion);
      ModelInfo info = new ModelInfo(classNames, cfg.rescale(), trainingFacts(cfg, metrics));
      lock.checkHeld();
      write(out, cfg.output(), model, info, metrics, cfg);
      System.out.println(
          JobSupport.format(
              "spark-cnn train: wrote %s/model, %s/metrics.json " + "(%.1f s wall, %.0f images/s)",
              cfg.output(),
              cfg.output(),
              (Double) metrics.get("wall_seconds"),
              (Double) metrics.get("images_per_second")));
      return metrics;
    }
  }

  /**
   * Where training starts: the newest intact checkpoint of this run when resuming (reported with
   * the damaged ones passed over), else the beginning, with the output's old checkpoints removed.
   */
  static ResumePoint resumePoint(JobConfig cfg, TrainingCheckpoints checkpoints) {
    String mode = cfg.resume();
    try {
      if (!mode.equals("false")) {
        TrainingCheckpoints.Resumed r;
        try {
          r = checkpoints.resume();
        } catch (TrainingCheckpoints.CheckpointMismatchException e) {
          if (mode.equals("true")) {
            throw e;
          }
          System.out.println(
              "spark-cnn train: resume auto: starting afresh, " + e.getMessage().split(";")[0]);
          r = null;
        }
        if (r != null) {
          for (String s : r.skipped()) {
            System.err.println("spark-cnn train: warning: " + s);
          }
          ResumePoint p = r.point();
          System.out.println(
              JobSupport.format(
                  "spark-cnn train: resuming from %s: epoch %d, %d steps of it done, %d finished"
                      + " epochs",
                  r.from(), p.epoch() + 1, p.step(), p.history().size()));
          return p;
        }
        if (mode.equals("true")) {
          throw ErrorText.problem("resume is true but there is no checkpoint to resume from")
              .received(checkpoints.store().dir() + " holds no complete checkpoint")
              .expected("the output of an earlier run of this config")
              .hint("check output, or use resume \"auto\" to start afresh when there is none")
              .illegalArgument();
        }
      }
      int removed = checkpoints.store().clear();
      if (removed > 0) {
        System.out.println(
            "spark-cnn train: starting afresh; removed "
                + removed
                + " checkpoints of an earlier run (resume true or \"auto\" continues one)");
      }
      return ResumePoint.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          StorageErrors.wrap(e, checkpoints.store().dir().toString(), "read or clear checkpoints"));
    }
  }

  /**
   * What makes two runs the same training: the settings that decide the weights, the model spec and
   * the shape of the data (rows and partitions, which fix the batches).
   */
  static Map<String, Object> identity(
      JobConfig cfg, Sequential model, long trainRows, long validationRows, int partitions) {
    Map<String, Object> id = new LinkedHashMap<>(cfg.identity());
    id.put("model_spec_sha256", TrainingCheckpoints.sha256(ModelSpec.toJson(model)));
    id.put("train_rows", trainRows);
    id.put("validation_rows", validationRows);
    id.put("partitions", (long) partitions);
    return id;
  }

  static ImageSource open(SparkSession spark, JobConfig cfg, String path, ModelInput input) {
    ImageSource source =
        DataSources.open(
            spark,
            path,
            cfg.format(),
            cfg.imageCol(),
            cfg.labelCol(),
            input,
            cfg.classNames(),
            cfg.resize(),
            cfg.badFiles());
    reportSkipped(source);
    return source;
  }

  /** Prints how many files were skipped as bad, and the first few reasons. */
  static void reportSkipped(ImageSource source) {
    List<SkippedFile> skipped = source.skipped();
    if (skipped.isEmpty()) {
      return;
    }
    System.out.println(
        "spark-cnn train: skipped "
            + skipped.size()
            + " bad files of "
            + source.describe()
            + (skipped.size() > 5 ? "; the first 5:" : ":"));
    for (SkippedFile f : skipped.subList(0, Math.min(5, skipped.size()))) {
      System.out.println("  " + f.reason());
    }
  }

  /** The spec, seeded and compiled; with init_weights' weights when given. */
  static Sequential buildModel(JobConfig cfg, Configuration hadoop) {
    Sequential model =
        ModelSpec.fromJson(JobSupport.readText(cfg.model(), hadoop, "model spec"), cfg.model());
    model.seed(cfg.seed());
    model.compile(cfg.loss(), cfg.buildOptimizer(), cfg.metrics().toArray(new String[0]));
    if (cfg.initWeights() != null) {
      String file = cfg.initWeights();
      try {
        Path p = new Path(file);
        if (!HadoopFiles.fs(p, hadoop).exists(p)) {
          throw Preflight.missingInitWeights(file);
        }
        if (HadoopFiles.isDirectory(HadoopFiles.fs(p, hadoop), p)) {
          p = new Path(p, ModelDirectory.WEIGHTS_FILE);
        }
        WeightsFile.decodeInto(
            model, HadoopFiles.read(p, hadoop, Integer.MAX_VALUE - 8), p.toString());
      } catch (IOException e) {
        throw new IllegalArgumentException("init_weights " + file + ": " + e.getMessage(), e);
      }
    }
    return model;
  }

  private static Map<String, Object> trainingFacts(JobConfig cfg, Map<String, Object> metrics) {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("job", "spark-cnn train");
    facts.put("config", cfg.effective());
    facts.put("label_mode", metrics.get("label_mode"));
    facts.put("history", metrics.get("history"));
    facts.put("test", metrics.get("test"));
    return facts;
  }

  /** Publishes model/, metrics.json and config.json together ({@link OutputDirectory}). */
  private static void write(
      OutputDirectory out,
      String output,
      Sequential model,
      ModelInfo info,
      Map<String, Object> metrics,
      JobConfig cfg)
      throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    Map<String, byte[]> modelFiles = ModelDirectory.encode(model, info);
    ModelDirectory.decode(modelFiles, output + "/model");
    for (Map.Entry<String, byte[]> f : modelFiles.entrySet()) {
      files.put("model/" + f.getKey(), f.getValue());
    }
    files.put("metrics.json", (Json.write(metrics) + "\n").getBytes(StandardCharsets.UTF_8));
    files.put("config.json", (cfg.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    try {
      out.publish(files);
    } catch (IOException e) {
      throw StorageErrors.wrap(e, output, "publish the model, metrics.json and config.json");
    }
  }

  private static OutputLock lock(String output, Configuration hadoop) {
    try {
      return OutputLock.acquire(output, hadoop);
    } catch (IOException e) {
      throw new UncheckedIOException(StorageErrors.wrap(e, output, "take the output's lock"));
    }
  }

  private static void recover(OutputDirectory out, String output) {
    try {
      out.recover();
    } catch (IOException e) {
      throw new UncheckedIOException(
          StorageErrors.wrap(e, output, "clean up what earlier runs left"));
    }
  }

  static void fail(String message, int status) {
    System.err.println("spark-cnn: error: " + message);
    System.exit(status);
  }
}
