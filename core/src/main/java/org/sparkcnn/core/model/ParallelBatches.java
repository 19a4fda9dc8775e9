package org.sparkcnn.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.errors.Rethrow;
import org.sparkcnn.core.tensor.Tensor;

/**
 * Runs work over a batch on several threads. A batch of n examples is split into {@code threads}
 * contiguous slices [t*n/T, (t+1)*n/T); results are combined in slice order, so the outcome depends
 * on the thread count only, never on timing.
 *
 * <p>Slice 0 runs on the calling thread, slice t on the JVM-wide {@link SpinWorker} t (or, when
 * another call holds it, on a JVM-wide pool of daemon threads). Both outlive each fit or predict
 * call: the per-thread workspaces and kernel scratch then stay allocated (and their pages touched)
 * from one call to the next, instead of being rebuilt by fresh threads every time.
 */
final class ParallelBatches implements AutoCloseable {
  private static final ExecutorService POOL =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "spark-cnn-worker");
            t.setDaemon(true);
            return t;
          });
  private final ExecutorService pool;
  private final int threads;

  ParallelBatches(int threads) {
    this.threads = threads;
    this.pool = threads == 1 ? null : POOL;
  }

  static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  int threads() {
    return threads;
  }

  static int sliceStart(int n, int threads, int t) {
    return (int) ((long) n * t / threads);
  }

  /** Runs task(t) for every slice t in [0, threads) and returns the results in slice order. */
  <T> List<T> run(IntFunction<T> task) {
    List<T> results = new ArrayList<>(threads);
    if (pool == null) {
      results.add(task.apply(0));
      return results;
    }
    Object[] out = new Object[threads];
    SpinWorker[] spinning = new SpinWorker[threads];
    List<Future<?>> futures = new ArrayList<>(threads);
    for (int t = 1; t < threads; t++) {
      int slice = t;
      Runnable job = () -> out[slice] = task.apply(slice);
      SpinWorker w = spinWorker(t - 1);
      if (w.tryStart(job)) {
        spinning[t] = w;
        futures.add(null);
      } else {
        futures.add(pool.submit(job));
      }
    }
    // Every started slice is waited for, even when one fails: a worker left running would stay
    // claimed and write into this call's results later.
    RuntimeException failed = null;
    try {
      out[0] = task.apply(0);
    } catch (RuntimeException e) {
      failed = e;
    }
    for (int t = 1; t < threads; t++) {
      try {
        if (spinning[t] != null) {
          spinning[t].await();
        } else {
          waitFor(futures.get(t - 1));
        }
      } catch (RuntimeException e) {
        failed = failed == null ? e : failed;
      }
    }
    if (failed != null) {
      throw failed;
    }
    for (int t = 0; t < threads; t++) {
      @SuppressWarnings("unchecked")
      T r = (T) out[t];
      results.add(r);
    }
    return results;
  }

  private static void waitFor(Future<?> f) {
    try {
      f.get();
    } catch (ExecutionException e) {
      Rethrow.ifUnchecked(e.getCause());
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for worker threads", e);
    }
  }

  private static final List<SpinWorker> SPIN_WORKERS = new ArrayList<>();

  /** The i-th JVM-wide spinning worker, started on first use. */
  private static synchronized SpinWorker spinWorker(int i) {
    while (SPIN_WORKERS.size() <= i) {
      SpinWorker w = new SpinWorker("spark-cnn-slice-" + (SPIN_WORKERS.size() + 1));
      w.start();
      SPIN_WORKERS.add(w);
    }
    return SPIN_WORKERS.get(i);
  }

  /** Nothing to release: the pool is shared and its idle threads end by themselves. */
  @Override
  public void close() {}

  static Evaluation evaluate(Sequential model, Tensor x, Tensor y, int batchSize, int threads) {
    checkBatchSize(batchSize);
    int n = x.batchSize();
    int inSize = x.exampleSize();
    int tSize = y.exampleSize();
    float[] params = model.parameters();
    BatchStats total = BatchStats.EMPTY;
    try (ParallelBatches workers = new ParallelBatches(threads)) {
      for (int start = 0; start < n; start += batchSize) {
        int count = Math.min(batchSize, n - start);
        int from = start;
        for (BatchStats s :
            workers.run(
                t -> {
                  int a = from + sliceStart(count, workers.threads, t);
                  int b = from + sliceStart(count, workers.threads, t + 1);
                  if (a == b) {
                    return BatchStats.EMPTY;
                  }
                  Workspace ws = model.workspace();
                  ws.ensureCapacity(b - a);
                  System.arraycopy(x.data(), a * inSize, ws.batchX, 0, (b - a) * inSize);
                  System.arraycopy(y.data(), a * tSize, ws.batchY, 0, (b - a) * tSize);
                  return model.lossUnchecked(ws, params, ws.batchX, ws.batchY, b - a);
                })) {
          total = total.plus(s);
        }
      }
    }
    return Evaluation.of(total, model.accuracy() != null);
  }

  static Tensor predict(Sequential model, Tensor x, int batchSize, int threads) {
    checkBatchSize(batchSize);
    int n = x.batchSize();
    int inSize = x.exampleSize();
    int outSize = model.outputShape().size();
    float[] out = new float[n * outSize];
    float[] params = model.parameters();
    try (ParallelBatches workers = new ParallelBatches(threads)) {
      for (int start = 0; start < n; start += batchSize) {
        int count = Math.min(batchSize, n - start);
        int from = start;
        workers.run(
            t -> {
              int a = from + sliceStart(count, workers.threads, t);
              int b = from + sliceStart(count, workers.threads, t + 1);
              if (a < b) {
                Workspace ws = model.workspace();
                ws.ensureCapacity(b - a);
                System.arraycopy(x.data(), a * inSize, ws.batchX, 0, (b - a) * inSize);
                model.predictUnchecked(ws, params, ws.batchX, b - a, out, a * outSize);
              }
              return null;
            });
      }
    }
    int[] shape = model.outputShape().dims();
    int[] full = new int[shape.length + 1];
    full[0] = n;
    System.arraycopy(shape, 0, full, 1, shape.length);
    return new Tensor(out, full);
  }

  private static void checkBatchSize(int batchSize) {
    if (batchSize <= 0) {
      throw ErrorText.problem("batch_size out of range")
          .received(batchSize)
          .expected("a positive integer")
          .illegalArgument();
    }
  }
}
