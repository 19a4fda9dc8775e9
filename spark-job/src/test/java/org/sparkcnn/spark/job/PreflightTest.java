package org.sparkcnn.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.core.io.ModelSpec;
import org.sparkcnn.spark.data.IdxSource;
import org.sparkcnn.spark.io.HadoopFileTree;
import org.sparkcnn.spark.io.ModelStore;

/**
 * The launcher's check ({@link Preflight}) in a child JVM, as scripts/lib/spark-submit.sh runs it:
 * a typo'd config key, a model spec that cannot be built, a missing data path and a missing model
 * directory each end in the job's own one-line error, within 2 s of wall time (issue 12 asks for
 * "well under 2 seconds" before Spark would start); a config that can work passes.
 */
class PreflightTest {
  @TempDir Path tmp;

  private String spec() {
    return Path.of("../conf/models/fashion-mnist-cnn.json").toAbsolutePath().toString();
  }

  @Test
  void mistakesEndInTheJobsOwnLineWithinTwoSeconds() throws Exception {
    Path images = Files.createDirectories(tmp.resolve("images/a"));
    String good =
        "{\"model\": \""
            + spec()
            + "\", \"train_data\": \""
            + images.getParent()
            + "\", \"epochs\": 1}";

    Path config = write("good.json", good);
    assertEquals(0, run("train", "--config", config.toString()).status, "a config that can work");

    Path typo = write("typo.json", good.replace("\"epochs\"", "\"epoch\""));
    expect(
        () -> run("train", "--config", typo.toString()),
        1,
        "spark-cnn train: error: "
            + jobError(() -> JobConfig.parse(Files.readString(typo), typo.toString(), List.of())));

    Path badSpec =
        write(
            "bad-spec.json",
            "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Conv3D\", \"config\": {}}]}}");
    Path badModel = write("bad-model.json", good.replace(spec(), badSpec.toString()));
    expect(
        () -> run("train", "--config", badModel.toString()),
        1,
        "spark-cnn train: error: "
            + jobError(() -> ModelSpec.fromJson(Files.readString(badSpec), badSpec.toString())));

    String missing = tmp.resolve("no/such/data").toString();
    expect(
        () -> run("train", "--config", config.toString(), "--set", "train_data=" + missing),
        1,
        "spark-cnn train: error: "
            + jobError(() -> DataFormat.detect(new HadoopFileTree(new Configuration()), missing)));

    // format idx names the pair by the path the job qualifies (file:/...), as the job does.
    org.apache.hadoop.fs.Path qualified = new org.apache.hadoop.fs.Path(missing);
    String asJob = qualified.getFileSystem(new Configuration()).makeQualified(qualified).toString();
    expect(
        () ->
            run(
                "train",
                "--config",
                config.toString(),
                "--set",
                "format=idx",
                "--set",
                "train_data=" + missing),
        1,
        "spark-cnn train: error: "
            + jobError(
                () -> {
                  IdxSource.requirePair(new HadoopFileTree(new Configuration()), asJob);
                  return null;
                }));

    String noModel = tmp.resolve("no-model").toString();
    expect(
        () -> run("evaluate", "--model", noModel, "--data", images.getParent().toString()),
        1,
        "spark-cnn evaluate: error: " + ModelStore.noModelDirectory(noModel));
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  private interface Job {
    Object run() throws Exception;
  }

  /** The message the job's own code throws for the same input. */
  private static String jobError(Job job) {
    return assertThrows(RuntimeException.class, job::run).getMessage();
  }

  /** SPARK_CNN_QUICK_JVM=(...) of scripts/lib/spark-submit.sh: the flags the launcher uses. */
  private static List<String> launcherFlags() throws Exception {
    Matcher m =
        Pattern.compile("(?m)^SPARK_CNN_QUICK_JVM=\\(([^)]*)\\)")
            .matcher(Files.readString(Path.of("../scripts/lib/spark-submit.sh")));
    assertTrue(m.find(), "SPARK_CNN_QUICK_JVM in scripts/lib/spark-submit.sh");
    return List.of(m.group(1).trim().split("\\s+"));
  }

  private record Result(int status, String stderr, double seconds) {}

  private interface Run {
    Result get() throws Exception;
  }

  /**
   * Every run prints the job's line and exits with its status. Wall time: the fastest of up to 6
   * runs must be under 2 s. The check costs ~0.45 s of CPU; on a shared machine one run's wall time
   * also holds however long the scheduler kept it waiting (0.65-6 s measured for the same command
   * at load average 20 on 2 cores; three slow runs in a row seen twice at load 20-30), so a slow
   * run is repeated, never excused.
   */
  private static void expect(Run run, int status, String line) throws Exception {
    double fastest = Double.MAX_VALUE;
    for (int attempt = 0; attempt < 6 && fastest >= 2; attempt++) {
      Result r = run.get();
      assertEquals(line + "\n", r.stderr, "one line, the job's");
      assertEquals(status, r.status);
      fastest = Math.min(fastest, r.seconds);
    }
    assertTrue(fastest < 2, "fastest of 6 runs took " + fastest + " s");
  }

  /** Runs the check main in a new JVM with the launcher's flags (scripts/lib/spark-submit.sh). */
  private static Result run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(launcherFlags());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Preflight.class.getName()));
    cmd.addAll(List.of(args));
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = p.waitFor();
    return new Result(status, err, (System.nanoTime() - t0) / 1e9);
  }
}
