package org.sparkcnn.core.model;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.sparkcnn.core.settings.TrainingSettings;

/**
 * Training progress as Keras prints it, by Keras' {@code verbose}:
 *
 * <ul>
 *   <li>0: nothing;
 *   <li>1 (Keras' "auto"): "Epoch 3/5", then on a terminal one bar per epoch redrawn in place at
 *       most 10 times a second ({@code 300/1875 [====>.........] - 12s - ETA: 50s - loss: 0.4512 -
 *       accuracy: 0.8391}); without a terminal (a log file, CI, cluster mode) the same figures as a
 *       plain line every {@link #PLAIN_INTERVAL_NANOS} instead of redraws; then the epoch's summary
 *       line with the validation figures;
 *   <li>2: the summary line only, one per epoch.
 * </ul>
 *
 * <p>Order of calls per epoch: {@link #epochStart} → {@link #step} after each step → {@link
 * #epochEnd}. Not thread-safe: the training loop's thread calls it.
 */
public final class ProgressBar {
  public static final long REDRAW_INTERVAL_NANOS = 100_000_000L;
  public static final long PLAIN_INTERVAL_NANOS = 5_000_000_000L;
  private static final int WIDTH = 30;

  private final int verbose;
  private final boolean terminal;
  private final PrintStream out;
  private final LongSupplier clock;
  private int steps;
  private long started;
  private long lastDrawn;
  private boolean drawn;
  private int drawnLength;

  /**
   * @param verbose Keras' 0, 1 or 2
   * @param terminal whether {@code out} is a terminal (redraws) or a log (plain lines)
   * @param clock nanoseconds, e.g. System::nanoTime
   */
  public ProgressBar(int verbose, boolean terminal, PrintStream out, LongSupplier clock) {
    this.verbose = TrainingSettings.VERBOSE.check(verbose, "ProgressBar verbose");
    this.terminal = terminal;
    this.out = out;
    this.clock = clock;
  }

  /** On System.out; a terminal when the JVM has a console (stdin and stdout are terminals). */
  public static ProgressBar console(int verbose) {
    return new ProgressBar(verbose, System.console() != null, System.out, System::nanoTime);
  }

  public int verbose() {
    return verbose;
  }

  public void epochStart(int epoch, int epochs, int steps) {
    if (drawn) {
      out.println(); // an epoch that ended without a summary (a caller without one)
    }
    this.steps = steps;
    this.started = clock.getAsLong();
    this.lastDrawn = started;
    this.drawn = false;
    this.drawnLength = 0;
    if (verbose == 1) {
      out.println(String.format(Locale.ROOT, "Epoch %d/%d", epoch, epochs));
    }
  }

  /**
   * After a step.
   *
   * @param done steps of this epoch done so far (from 1)
   * @param runningLoss the epoch's mean loss so far
   * @param runningAccuracy the epoch's accuracy so far, NaN when not tracked
   */
  public void step(int done, double runningLoss, double runningAccuracy) {
    if (verbose != 1) {
      return;
    }
    long now = clock.getAsLong();
    long interval = terminal ? REDRAW_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS;
    boolean last = done >= steps;
    if (now - lastDrawn < interval && !(terminal && last)) {
      return;
    }
    lastDrawn = now;
    String line = line(done, now, runningLoss, runningAccuracy);
    if (terminal) {
      // \r returns to the line's start; the padding wipes what a longer line left behind.
      out.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
      drawnLength = line.length();
      drawn = true;
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** The epoch's summary line, e.g. EpochReport's or History.Epoch's text. */
  public void epochEnd(String summary) {
    if (verbose == 0) {
      return;
    }
    if (drawn) {
      out.println();
      drawn = false;
    }
    out.println(summary);
    out.flush();
  }

  String line(int done, long now, double loss, double accuracy) {
    double elapsed = (now - started) / 1e9;
    StringBuilder s = new StringBuilder();
    String count = Integer.toString(steps);
    s.append(" ".repeat(Math.max(0, count.length() - Integer.toString(done).length())))
        .append(done)
        .append('/')
        .append(count);
    if (terminal) {
      int filled = steps == 0 ? WIDTH : (int) ((long) WIDTH * done / steps);
      s.append(" [")
          .append("=".repeat(Math.max(0, filled - 1)))
          .append(filled == WIDTH ? "=" : filled > 0 ? ">" : "")
          .append(".".repeat(WIDTH - filled))
          .append(']');
    }
    s.append(String.format(Locale.ROOT, " - %s", seconds(elapsed)));
    if (done < steps && done > 0) {
      s.append(" - ETA: ").append(seconds(elapsed / done * (steps - done)));
    }
    if (!Double.isNaN(loss)) {
      s.append(String.format(Locale.ROOT, " - loss: %.4f", loss));
    }
    if (!Double.isNaN(accuracy)) {
      s.append(String.format(Locale.ROOT, " - accuracy: %.4f", accuracy));
    }
    return s.toString();
  }

  private static String seconds(double s) {
    if (s < 60) {
      return String.format(Locale.ROOT, "%.0fs", s);
    }
    long t = Math.round(s);
    return t < 3600
        ? String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60)
        : String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  }
}
