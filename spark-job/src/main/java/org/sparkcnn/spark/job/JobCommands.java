package org.sparkcnn.spark.job;

import java.util.ArrayList;
import java.util.List;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.settings.Range;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * The command lines of the job mains, declared once for {@link org.sparkcnn.core.cli.Cli}: what the
 * mains parse, what {@link Preflight} checks before Spark starts, and the help that {@code
 * scripts/train}, {@code scripts/evaluate} and {@code scripts/score} print for {@code --help}. An
 * option that more than one main takes is declared once, in a mixin below. Values are checked by
 * the jobs' {@code Args} records, with {@link #intAtLeast}.
 */
final class JobCommands {
  private JobCommands() {}

  /** -h, --help: every main. */
  static final class HelpOption {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "print this help")
    boolean help;
  }

  /** --model: the mains that load a saved model (evaluate, score). */
  static final class SavedModel {
    @Option(
        names = "--model",
        required = true,
        paramLabel = "DIR",
        description =
            "a model directory (a training job's OUTPUT/model, or a saved Spark ML model)")
    String model;
  }

  /** --format and --image-col: how the mains that read a data path read it. */
  static final class InputColumns {
    @Option(
        names = "--format",
        paramLabel = "F",
        description = "auto (default: detected as for training), idx, images, parquet or table")
    String format = "auto";

    @Option(
        names = "--image-col",
        paramLabel = "C",
        description =
            "image column of Parquet/table input (default image): binary PNG/JPEG,"
                + " array<int|float|double> or Spark's image struct")
    String imageCol = "image";
  }

  /** --batch-size: the mains that run the model forward in batches. */
  static final class BatchSize {
    @Option(
        names = "--batch-size",
        paramLabel = "N",
        description = "rows per forward pass (default 256)")
    String batchSize = "256";
  }

  /**
   * An integer option's value, at least {@code min}.
   *
   * @throws IllegalArgumentException naming the option, what it received and what it takes
   */
  static int intAtLeast(String option, String value, int min) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ErrorText.problem("invalid value")
        .in(option)
        .received(value)
        .expected(Range.atLeast(min).describe(true))
        .illegalArgument();
  }

  /** What the scripts add to every job's help. */
  static final String SPARK_SUBMIT_FOOTER =
      "%nOther options go to spark-submit: --master URL (default local[*]), --driver-memory M,"
          + " --executor-memory M, --conf k=v, ... The scripts use $SPARK_HOME/bin/spark-submit"
          + " when SPARK_HOME is set, else Spark from the Maven build, and check the command line,"
          + " config, model spec and local paths first, without Spark.";

  @Command(
      name = "scripts/train",
      description = {
        "Trains a model on Spark from a job config (JSON; keys in docs/training.md).",
        // One line each, at most 100 characters: picocli may wrap after a dot ("report.\nhtml").
        "Writes into the config's \"output\": model/ (the model directory), metrics.json, metrics.csv,",
        "report.html, the charts, the effective config, checkpoints/ and tensorboard/.",
        "Keras-style shortcuts for --set: --epochs 3 is --set epochs=3, --batch-size 64 is --set"
            + " batch_size=64 (dashes become underscores); --verbose N is the config key, not"
            + " spark-submit's flag."
      },
      footer = SPARK_SUBMIT_FOOTER,
      sortOptions = false)
  static final class Train {
    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "job config (JSON), e.g. conf/fashion-mnist.json")
    String config;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description =
            "override a config key; dotted keys for nested ones (--set epochs=1"
                + " --set optimizer.learning_rate=0.01); repeatable, applied in order")
    List<String> sets = new ArrayList<>();

    @Option(
        names = "--resume",
        description =
            "continue from the newest intact checkpoint in OUTPUT/checkpoints (= --set"
                + " resume=true; --set resume=auto resumes only a run of this config)")
    boolean resume;

    @Mixin HelpOption help;

    /**
     * Keras-style shortcuts for --set: --epochs 3, --batch-size 64, --verbose 2 (dashes become
     * underscores); an unknown key fails as an unknown --set key, with its did-you-mean.
     */
    @Unmatched List<String> shortcuts = new ArrayList<>();
  }

  @Command(
      name = "scripts/evaluate",
      description = {
        "Prints the loss, accuracy, confusion matrix and per-class precision/recall/F1 of a saved"
            + " model on labelled data, and the figures as one JSON line.",
        "e.g. scripts/evaluate --model runs/fmnist/model --data data/fashion-mnist/t10k"
      },
      footer = SPARK_SUBMIT_FOOTER,
      sortOptions = false)
  static final class Evaluate {
    @Mixin SavedModel saved;

    @Option(
        names = "--data",
        required = true,
        paramLabel = "PATH",
        description = "labelled data: an IDX prefix, an image folder, Parquet files or a table")
    String data;

    @Mixin InputColumns columns;

    @Option(names = "--label-col", paramLabel = "C", description = "label column (default label)")
    String labelCol = "label";

    @Option(
        names = "--label-mode",
        paramLabel = "M",
        description =
            "int, binary, categorical or multi_label; default: the one the model was trained with")
    String labelMode;

    @Mixin BatchSize batch;

    @Option(
        names = "--partitions",
        paramLabel = "N",
        description = "partitions of the data (default 0: the cores)")
    String partitions = "0";

    @Option(
        names = "--report",
        paramLabel = "DIR",
        description = "also write DIR/report.html and DIR/confusion_matrix.png")
    String report;

    @Mixin HelpOption help;
  }

  @Command(
      name = "scripts/score",
      description = {
        "Scores an image table with a saved model and writes the predictions as Parquet.",
        "Prints \"rows scored: N, rows failed: M, images/second: X\" and one JSON line.",
        "e.g. scripts/score --model runs/fmnist/model --input data/fashion-mnist/t10k"
            + " --output runs/fmnist/scores"
      },
      footer = SPARK_SUBMIT_FOOTER,
      sortOptions = false)
  static final class Score {
    @Mixin SavedModel saved;

    @Option(
        names = "--input",
        required = true,
        paramLabel = "PATH",
        description = "Parquet files, a table name, an image folder or an IDX prefix")
    String input;

    @Option(
        names = "--output",
        required = true,
        paramLabel = "PATH",
        description =
            "Parquet output (replaced): the input columns (for images/idx: path or id, and label"
                + " when known) + prediction, probability, rawPrediction, predicted_label, error"
                + " (probability and rawPrediction as array<float>)")
    String output;

    @Mixin InputColumns columns;

    @Option(
        names = "--id-col",
        paramLabel = "C",
        description = "column naming a row in --strict errors (images: path, idx: id)")
    String idCol = "";

    @Mixin BatchSize batch;

    @Option(
        names = "--partitions",
        paramLabel = "N",
        description =
            "idx: number of slices (default: the cores, or 10,000 rows each); other formats:"
                + " repartition the input first")
    String partitions = "0";

    @Option(
        names = "--row-group-size",
        paramLabel = "SIZE",
        description = {
          "Parquet row group size of the output (parquet.block.size), e.g. 16m: each writing"
              + " task holds one row group in memory",
          "(default 16m, or --conf spark.hadoop.parquet.block.size=BYTES when given)"
        })
    String rowGroupSize = "";

    @Option(
        names = "--strict",
        description = "fail on the first bad row (default: null prediction + error column)")
    boolean strict;

    @Option(names = "--drop-image", description = "leave the image column out of the output")
    boolean dropImage;

    @Mixin HelpOption help;
  }
}
