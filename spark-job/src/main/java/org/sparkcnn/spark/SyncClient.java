package org.sparkcnn.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/** The task's end of a driver-sync epoch: receive weights, compute its share, send the sum. */
final class SyncClient {
  private SyncClient() {}

  static void run(
      String host,
      int port,
      long token,
      int partition,
      int attempt,
      int timeoutMillis,
      TrainingPlan plan,
      ImageBlock block) {
    PartitionStepper stepper = new PartitionStepper(plan, block, partition);
    ByteBuffer scratch = SyncProtocol.scratch();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      s.setTcpNoDelay(true);
      DataInputStream in =
          new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
      DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
      out.writeInt(SyncProtocol.MAGIC);
      out.writeLong(token);
      out.writeInt(partition);
      out.writeInt(attempt);
      out.flush();
      float[] params = null;
      float[] grad = null;
      while (true) {
        int op = in.readInt();
        if (op == SyncProtocol.DONE) {
          return;
        }
        if (op != SyncProtocol.STEP) {
          throw new IOException("unexpected message " + op + " from the driver");
        }
        int epoch = in.readInt();
        int step = in.readInt();
        long globalStep = in.readLong();
        int n = in.readInt();
        if (params == null || params.length != n) {
          params = new float[n];
          grad = new float[n];
        }
        SyncProtocol.readFloatBody(in, params, n, scratch);
        StepResult r;
        try {
          r = stepper.step(params, epoch, step, globalStep, grad);
        } catch (RuntimeException e) {
          // Tell the driver why, so the fit fails with this reason rather than a lost connection.
          out.writeInt(SyncProtocol.FAILED);
          out.writeUTF(truncate("partition " + partition + ": " + e.getMessage()));
          out.flush();
          throw e;
        }
        out.writeInt(SyncProtocol.OK);
        out.writeInt(partition);
        out.writeInt(step);
        out.writeDouble(r.lossSum());
        out.writeLong(r.count());
        out.writeDouble(r.correct());
        out.writeLong(r.computeNanos());
        SyncProtocol.writeFloats(out, grad, scratch);
        out.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "spark-cnn task for partition "
              + partition
              + " lost its connection to the driver at "
              + host
              + ":"
              + port,
          e);
    }
  }

  /** writeUTF takes at most 65535 bytes; a reason is far shorter unless the data is hostile. */
  private static String truncate(String s) {
    return s.length() > 8000 ? s.substring(0, 8000) + "..." : s;
  }
}
