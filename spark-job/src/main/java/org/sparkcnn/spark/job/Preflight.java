package org.sparkcnn.spark.job;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.logging.LogManager;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.core.kernels.KernelSelector;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.datasets.FileTree;
import org.sparkcnn.datasets.LocalFileTree;
import org.sparkcnn.spark.data.IdxSource;
import org.sparkcnn.spark.data.ModelInput;
import org.sparkcnn.spark.io.ModelStore;

/**
 * The launcher's check before {@code spark-submit}: on a plain JVM (no Spark session, nothing
 * started), parses a job's command line, and for training its config with the same declarations the
 * job uses and its model spec, and looks at every local path the job will read. A mistake is
 * reported as the same one line the job would print, in well under the 10-20 s that starting Spark
 * takes ({@code scripts/lib/spark-submit.sh} runs it first).
 *
 * <pre>
 * java -cp JOBJAR:SPARKJARS org.sparkcnn.spark.job.Preflight train|evaluate|score ARGS...
 * </pre>
 *
 * <p>Exit status 0 when the job may start, 1 for a config, model or path error, 2 for a command
 * line the job would refuse. Paths with a scheme other than {@code file:} are left to the job, and
 * so are paths without one when {@code HADOOP_CONF_DIR} is set (the default file system may then
 * not be the local one).
 */
public final class Preflight {
  private Preflight() {}

  /** Thrown for a command line the job would refuse (exit status 2). */
  static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  public static void main(String[] argv) {
    // Nothing is computed here: the reference kernels load fastest, and no log line may come
    // before the one error line.
    LogManager.getLogManager().reset();
    if (System.getProperty(KernelSelector.PROPERTY) == null) {
      System.setProperty(KernelSelector.PROPERTY, "reference");
    }
    String job = argv.length == 0 ? "?" : argv[0];
    String[] args = Arrays.copyOfRange(argv, Math.min(1, argv.length), argv.length);
    try {
      check(job, args);
    } catch (UsageException e) {
      System.err.println("spark-cnn: error: " + e.getMessage());
      System.exit(2);
    } catch (RuntimeException e) {
      System.err.println("spark-cnn " + job + ": error: " + e.getMessage());
      System.exit(1);
    }
  }

  /** Throws the job's own error for what cannot work; returns when the job may start. */
  static void check(String job, String[] args) {
    switch (job) {
      case "train" -> {
        TrainJob.Args a = usage(() -> TrainJob.Args.parse(args));
        if (a != null) {
          train(a);
        }
      }
      case "evaluate" -> {
        EvaluateJob.Args a = usage(() -> EvaluateJob.Args.parse(args));
        if (a != null) {
          modelDirectory(a.model());
          data(a.data(), a.format());
        }
      }
      case "score" -> {
        ScoreJob.Args a = usage(() -> ScoreJob.Args.parse(args));
        if (a != null) {
          modelDirectory(a.model());
          data(a.input(), a.format());
        }
      }
      default ->
          throw new UsageException(
              ErrorText.problem("unknown job")
                  .in("Preflight")
                  .received(job)
                  .expected("train, evaluate or score")
                  .text());
    }
  }

  private static void train(TrainJob.Args args) {
    Path configFile = local(args.config());
    if (configFile == null) {
      return; // read by the job through Hadoop
    }
    JobConfig cfg =
        JobConfig.parse(
            readText(configFile, args.config(), "job config"), args.config(), args.sets());
    Path specFile = local(cfg.model());
    if (specFile != null) {
      Sequential model =
          ModelSpec.fromJson(readText(specFile, cfg.model(), "model spec"), cfg.model());
      model.compile(cfg.loss(), cfg.buildOptimizer(), cfg.metrics().toArray(new String[0]));
      ModelInput input = ModelInput.of(model, cfg.rescale(), cfg.labelMode());
      checkClassNames(cfg.classNames(), input);
    }
    if (cfg.initWeights() != null) {
      Path weights = local(cfg.initWeights());
      if (weights != null && !Files.exists(weights)) {
        throw missingInitWeights(cfg.initWeights());
      }
    }
    for (String data : new String[] {cfg.trainData(), cfg.validationData(), cfg.testData()}) {
      if (data != null) {
        data(data, cfg.format());
      }
    }
  }

  /**
   * A local data path that holds no data fails as the job fails: "auto" as its detection, "idx"
   * (given or detected) when the IDX pair is missing. The job qualifies the path first ({@code
   * file:/abs/path}), and names it so.
   */
  private static void data(String path, String format) {
    Path p = local(path);
    if (p == null || format.equals("table")) {
      return;
    }
    String resolved = format.equals("auto") ? DataFormat.detect(LOCAL, path) : format;
    if (resolved.equals("idx")) {
      IdxSource.requirePair(LOCAL, "file:" + p.toAbsolutePath().normalize());
    }
  }

  /** The local file system, for paths written plainly or as {@code file:} URIs. */
  private static final FileTree LOCAL =
      new FileTree() {
        @Override
        public Entry root(String path) {
          return LocalFileTree.INSTANCE.root(local(path).toString());
        }

        @Override
        public List<Entry> list(String dir) {
          return LocalFileTree.INSTANCE.list(local(dir).toString());
        }

        @Override
        public String child(String dir, String name) {
          return LocalFileTree.INSTANCE.child(dir, name);
        }

        @Override
        public byte[] read(Entry file, long maxBytes) {
          return LocalFileTree.INSTANCE.read(file, maxBytes);
        }
      };

  private static void modelDirectory(String dir) {
    Path p = local(dir);
    if (p != null && !Files.isDirectory(p)) {
      throw new IllegalArgumentException(ModelStore.noModelDirectory(dir));
    }
  }

  /** The error for a config or model spec file that is not there; the job's too. */
  static IllegalArgumentException notFound(String what, String path, Throwable cause) {
    return new IllegalArgumentException(
        ErrorText.problem(what + " not found")
            .received(path)
            .expected("a readable file (paths are relative to the working directory)")
            .text(),
        cause);
  }

  /** The error for init_weights that are not there; the job's too. */
  static IllegalArgumentException missingInitWeights(String path) {
    return new IllegalArgumentException(
        ErrorText.problem("init_weights not found")
            .received(path)
            .expected("a model directory or a weights.safetensors file")
            .hint("paths are relative to the working directory")
            .text());
  }

  /** class_names, when given, must name every label class. */
  static void checkClassNames(List<String> names, ModelInput input) {
    if (names != null && names.size() != input.labelClasses()) {
      throw ErrorText.problem("class_names has the wrong length")
          .received(names.size() + " names")
          .expected(
              input.labelClasses() + ", one per label class (" + input.targets().describe() + ")")
          .illegalArgument();
    }
  }

  private static String readText(Path file, String path, String what) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw notFound(what, path, e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + path + ": " + e, e);
    }
  }

  /**
   * The local file a path names, or null when the job reads it elsewhere: another scheme, or no
   * scheme while a Hadoop configuration may make the default file system a remote one.
   */
  static Path local(String path) {
    if (path.startsWith("file:")) {
      return Path.of(URI.create(path).getPath());
    }
    if (hasScheme(path) || System.getenv("HADOOP_CONF_DIR") != null) {
      return null;
    }
    return Path.of(path);
  }

  private static boolean hasScheme(String path) {
    return path.matches("[A-Za-z][A-Za-z0-9+.-]*:.*");
  }

  private interface Parse<T> {
    T run();
  }

  private static <T> T usage(Parse<T> parse) {
    try {
      return parse.run();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
