package org.sparkcnn.spark.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of the project's scripts run as a user runs it, in its own process: its output (stdout and
 * stderr together) is read on a thread of its own, so a test can wait for a line, signal the
 * process, or wait for its end.
 */
public final class ChildProcess {
  private final Process process;
  private final StringBuilder output = new StringBuilder();
  private final Thread reader;

  private ChildProcess(Process process) {
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (output) {
                    output.append(line).append('\n');
                    output.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} in {@code dir} with {@code env} added to this process's environment. */
  public static ChildProcess start(List<String> command, Path dir, Map<String, String> env)
      throws IOException {
    ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile());
    b.environment().remove("SPARK_HOME");
    b.environment().putAll(env);
    return new ChildProcess(b.redirectErrorStream(true).start());
  }

  public long pid() {
    return process.pid();
  }

  /** Everything printed so far. */
  public String output() {
    synchronized (output) {
      return output.toString();
    }
  }

  /** Waits for the end, at most {@code seconds}; then kills it (and its children): exit -1. */
  public int waitFor(int seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
      return -1;
    }
    reader.join(10_000);
    return process.exitValue();
  }

  /** SIGKILL, as the kernel's OOM killer or {@code kill -9} does it; returns once it is gone. */
  public void kill9() throws Exception {
    new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).inheritIO().start().waitFor();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the process ends on SIGKILL");
    reader.join(10_000);
  }

  /** Waits until {@code text} has been printed {@code count} times. */
  public void await(String text, int count, int seconds) throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    synchronized (output) {
      while (occurrences(output.toString(), text) < count) {
        long left = deadline - System.currentTimeMillis();
        assertTrue(left > 0, "waited " + seconds + " s for \"" + text + "\":\n" + output);
        output.wait(left);
      }
    }
  }

  public static int occurrences(String s, String text) {
    int n = 0;
    for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + 1)) {
      n++;
    }
    return n;
  }
}
