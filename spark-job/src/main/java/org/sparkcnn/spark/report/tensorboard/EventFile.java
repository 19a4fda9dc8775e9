package org.sparkcnn.spark.report.tensorboard;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.spark.io.HadoopFiles;
import org.tensorflow.framework.Summary;
import org.tensorflow.util.Event;

/**
 * One TensorBoard event file, {@code events.out.tfevents.<seconds>.<host>.<pid>.<n>} (TensorBoard
 * reads every file whose name holds "tfevents"), on any Hadoop file system. It starts with the
 * {@code file_version} event TensorBoard expects; each scalar is an {@link Event} with a {@code
 * simple_value} summary. {@link #flush} makes what was written visible to a reader (hflush).
 */
public final class EventFile implements Closeable {
  private static int counter;

  private final Path path;
  private final FSDataOutputStream out;

  public EventFile(Path dir, Configuration conf) throws IOException {
    String name =
        String.format(
            "events.out.tfevents.%d.%s.%d.%d",
            System.currentTimeMillis() / 1000, host(), ProcessHandle.current().pid(), next());
    this.path = new Path(dir, name);
    var fs = HadoopFiles.fs(path, conf);
    HadoopFiles.mkdirs(fs, dir);
    this.out = fs.create(path, false);
    write(Event.newBuilder().setWallTime(now()).setFileVersion("brain.Event:2").build());
    flush();
  }

  public Path path() {
    return path;
  }

  public void scalar(String tag, long step, double value) throws IOException {
    write(
        Event.newBuilder()
            .setWallTime(now())
            .setStep(step)
            .setSummary(
                Summary.newBuilder()
                    .addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value)))
            .build());
  }

  private void write(Event e) throws IOException {
    TfRecords.write(out, e.toByteArray());
  }

  public void flush() throws IOException {
    out.hflush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  private static synchronized int next() {
    return counter++;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return ManagementFactory.getRuntimeMXBean().getName().replaceAll(".*@", "");
    }
  }
}
