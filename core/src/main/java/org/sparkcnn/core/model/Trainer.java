package org.sparkcnn.core.model;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.layers.StepContext;
import org.sparkcnn.core.tensor.Tensor;

/**
 * Single-JVM mini-batch training: per epoch a seeded shuffle, then per step every thread gathers
 * its slice of the batch, computes its gradient sum, and the slices' sums are added in slice order,
 * divided by the batch size and handed to the optimizer.
 */
final class Trainer {
  private final Sequential model;
  private final FitOptions o;

  Trainer(Sequential model, FitOptions options) {
    this.model = model;
    this.o = options;
  }

  History fit(Tensor x, Tensor y) {
    String name = model.describe();
    InputChecks.inputs(name, model.inputShape(), x);
    InputChecks.targets(name, model.loss(), model.outputShape().size(), y, x.batchSize());
    Tensor trainX = x;
    Tensor trainY = y;
    Tensor valX = o.validationX;
    Tensor valY = o.validationY;
    if (valX != null) {
      InputChecks.inputs(name + " validation_data", model.inputShape(), valX);
      InputChecks.targets(
          name + " validation_data",
          model.loss(),
          model.outputShape().size(),
          valY,
          valX.batchSize());
    } else if (o.validationSplit > 0) {
      // Keras holds out the last fraction, before shuffling.
      int n = x.batchSize();
      int split = n - (int) (n * o.validationSplit);
      if (split <= 0 || split >= n) {
        throw new IllegalArgumentException(
            name
                + " validation_split "
                + o.validationSplit
                + " leaves no training or no validation examples out of "
                + n);
      }
      trainX = x.rows(0, split);
      trainY = y.rows(0, split);
      valX = x.rows(split, n);
      valY = y.rows(split, n);
    }
    int n = trainX.batchSize();
    if (n == 0) {
      throw ErrorText.problem("no training examples")
          .in(name)
          .received("0 examples")
          .expected("at least one")
          .hint("check the data and validation_split")
          .illegalArgument();
    }

    float[] params = model.parameters();
    int threads = Math.min(o.threads, o.batchSize);
    float[][] threadGrads = new float[threads][params.length];
    float[] grads = new float[params.length];
    int[] order = new int[n];
    History history = new History();
    ProgressBar progress = o.progress != null ? o.progress : ProgressBar.console(o.verbose);
    int steps = (n + o.batchSize - 1) / o.batchSize;
    try (ParallelBatches workers = new ParallelBatches(threads)) {
      for (int epoch = 0; epoch < o.epochs; epoch++) {
        long started = System.nanoTime();
        progress.epochStart(epoch + 1, o.epochs, steps);
        shuffle(order, epoch);
        BatchStats epochStats = BatchStats.EMPTY;
        for (int start = 0; start < n; start += o.batchSize) {
          int count = Math.min(o.batchSize, n - start);
          long stepSeed = mix(o.seed, model.optimizer().iterations());
          BatchStats step =
              step(
                  workers,
                  params,
                  threadGrads,
                  grads,
                  trainX,
                  trainY,
                  order,
                  start,
                  count,
                  stepSeed);
          epochStats = epochStats.plus(step);
          progress.step(
              start / o.batchSize + 1,
              epochStats.meanLoss(),
              model.accuracy() == null ? Double.NaN : epochStats.accuracy());
        }
        double valLoss = Double.NaN;
        double valAcc = Double.NaN;
        if (valX != null) {
          Evaluation v = ParallelBatches.evaluate(model, valX, valY, o.batchSize, threads);
          valLoss = v.loss();
          valAcc = v.accuracy();
        }
        History.Epoch e =
            new History.Epoch(
                epoch + 1,
                o.epochs,
                epochStats.meanLoss(),
                model.accuracy() == null ? Double.NaN : epochStats.accuracy(),
                valLoss,
                valAcc,
                n,
                (System.nanoTime() - started) / 1e9);
        history.add(e);
        progress.epochEnd(e.toString());
        if (o.onEpochEnd != null) {
          o.onEpochEnd.accept(e);
        }
      }
    }
    return history;
  }

  private BatchStats step(
      ParallelBatches workers,
      float[] params,
      float[][] threadGrads,
      float[] grads,
      Tensor x,
      Tensor y,
      int[] order,
      int start,
      int count,
      long stepSeed) {
    int inSize = x.exampleSize();
    int tSize = y.exampleSize();
    List<BatchStats> parts =
        workers.run(
            t -> {
              int a = ParallelBatches.sliceStart(count, workers.threads(), t);
              int b = ParallelBatches.sliceStart(count, workers.threads(), t + 1);
              Arrays.fill(threadGrads[t], 0f);
              if (a == b) {
                return BatchStats.EMPTY;
              }
              Workspace ws = model.workspace();
              ws.ensureCapacity(b - a);
              for (int i = a; i < b; i++) {
                int row = order[start + i];
                System.arraycopy(x.data(), row * inSize, ws.batchX, (i - a) * inSize, inSize);
                System.arraycopy(y.data(), row * tSize, ws.batchY, (i - a) * tSize, tSize);
                ws.batchIds[i - a] = row;
              }
              StepContext ctx = new StepContext(true, stepSeed, ws.batchIds);
              return model.computeInputGradient(
                  params, ws.batchX, ws.batchY, b - a, ctx, threadGrads[t], null);
            });
    BatchStats total = BatchStats.EMPTY;
    System.arraycopy(threadGrads[0], 0, grads, 0, grads.length);
    for (int t = 1; t < threadGrads.length; t++) {
      float[] g = threadGrads[t];
      for (int i = 0; i < grads.length; i++) {
        grads[i] += g[i];
      }
    }
    for (BatchStats s : parts) {
      total = total.plus(s);
    }
    float scale = 1f / count;
    for (int i = 0; i < grads.length; i++) {
      grads[i] *= scale;
    }
    model.optimizer().apply(params, grads);
    return total;
  }

  /** The epoch's example order: a seeded Fisher-Yates shuffle, or 0..n-1 without shuffling. */
  private void shuffle(int[] order, int epoch) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (!o.shuffle) {
      return;
    }
    Random rng = new Random(mix(o.seed, epoch));
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  }

  static long mix(long seed, long counter) {
    long z = seed * 0x9E3779B97F4A7C15L + counter + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
