package org.sparkcnn.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Slices in order, failures from any slice, and workers reusable after a failure. */
class ParallelBatchesTest {
  @Test
  void resultsComeInSliceOrderFromEveryThread() {
    try (ParallelBatches workers = new ParallelBatches(3)) {
      for (int round = 0; round < 200; round++) {
        int r = round;
        List<Integer> results = workers.run(t -> t * 1000 + r);
        assertEquals(List.of(r, 1000 + r, 2000 + r), results);
      }
    }
  }

  @Test
  void aFailingSliceFailsTheCallAndTheWorkersStayUsable() {
    try (ParallelBatches workers = new ParallelBatches(2)) {
      IllegalStateException onWorker =
          assertThrows(
              IllegalStateException.class,
              () ->
                  workers.run(
                      t -> {
                        if (t == 1) {
                          throw new IllegalStateException("slice 1 failed");
                        }
                        return t;
                      }));
      assertEquals("slice 1 failed", onWorker.getMessage());
      IllegalArgumentException onCaller =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  workers.run(
                      t -> {
                        if (t == 0) {
                          throw new IllegalArgumentException("slice 0 failed");
                        }
                        return t;
                      }));
      assertEquals("slice 0 failed", onCaller.getMessage());
      assertEquals(List.of(0, 1), workers.run(t -> t));
    }
  }

  @Test
  void concurrentCallersAllGetTheirOwnResults() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try {
      List<Future<Boolean>> done = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        int caller = c;
        done.add(
            callers.submit(
                () -> {
                  try (ParallelBatches workers = new ParallelBatches(2)) {
                    for (int round = 0; round < 300; round++) {
                      int r = round;
                      List<Integer> results = workers.run(t -> caller * 100000 + t * 1000 + r);
                      if (!results.equals(
                          List.of(caller * 100000 + r, caller * 100000 + 1000 + r))) {
                        return false;
                      }
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> f : done) {
        assertEquals(true, f.get());
      }
    } finally {
      callers.shutdownNow();
    }
  }
}
