package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The canonical reduction order: whichever way the partitions are spread over JVMs, pre-summing
 * what each JVM holds whole and completing the tree elsewhere gives the flat tree's bits.
 */
class ReductionTreeTest {
  private static final int N = 64;

  private static float[][] results(int partitions, long seed) {
    return PartitionResults.results(partitions, N, seed);
  }

  /** JVM j holds the partitions with group[p] == j, pre-sums its cover, the driver completes. */
  private static PartialSum grouped(float[][] g, int[] group, int groups) {
    List<PartialSum> sent = new ArrayList<>();
    for (int j = 0; j < groups; j++) {
      boolean[] held = new boolean[g.length];
      for (int p = 0; p < g.length; p++) {
        held[p] = group[p] == j;
      }
      for (int[] node : ReductionTree.cover(g.length, held)) {
        List<PartialSum> leaves = new ArrayList<>();
        for (int p = node[0]; p < node[1]; p++) {
          leaves.add(PartitionResults.leaf(g, p));
        }
        sent.add(ReductionTree.reduce(leaves, node[0], node[1]));
      }
    }
    return ReductionTree.reduce(sent, 0, g.length);
  }

  @Test
  void everyPlacementOfPartitionsOnJvmsGivesTheSameBits() {
    Random r = new Random(1);
    for (int partitions : new int[] {1, 2, 3, 5, 7, 8, 13, 16, 33}) {
      float[][] g = results(partitions, partitions);
      PartialSum expected = PartitionResults.flat(g);
      for (int trial = 0; trial < 40; trial++) {
        int groups = 1 + r.nextInt(Math.min(partitions, 6));
        int[] group = new int[partitions];
        for (int p = 0; p < partitions; p++) {
          group[p] = r.nextInt(groups);
        }
        PartialSum got = grouped(g, group, groups);
        String what = partitions + " partitions in groups " + Arrays.toString(group);
        assertArrayEquals(expected.gradientSum(), got.gradientSum(), what);
        assertEquals(expected.lossSum(), got.lossSum(), 0, what);
        assertEquals(expected.count(), got.count(), what);
        assertEquals(expected.correct(), got.correct(), 0, what);
        assertEquals(10L * (partitions - 1), got.slowestComputeNanos(), what);
      }
    }
  }

  @Test
  void theOrderMattersSoItIsFixed() {
    // Left to right (the old order) gives other bits on these magnitudes: the tree is a choice.
    float[][] g = results(5, 3);
    float[] leftToRight = g[0].clone();
    for (int p = 1; p < g.length; p++) {
      for (int i = 0; i < N; i++) {
        leftToRight[i] += g[p][i];
      }
    }
    float[] tree = PartitionResults.flat(g).gradientSum();
    int differ = 0;
    for (int i = 0; i < N; i++) {
      differ += Float.floatToIntBits(tree[i]) != Float.floatToIntBits(leftToRight[i]) ? 1 : 0;
    }
    assertTrue(differ > 0, "no coordinate depends on the order; the data does not test it");
    // And the tree is exactly ((0 + 1) + (2 + 3)) + 4 for five partitions.
    for (int i = 0; i < N; i++) {
      float expected = ((g[0][i] + g[1][i]) + (g[2][i] + g[3][i])) + g[4][i];
      assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(tree[i]), "element " + i);
    }
  }

  @Test
  void aJvmSendsTheLargestNodesItHoldsWhole() {
    boolean[] held = new boolean[8];
    for (int p : new int[] {0, 1, 2, 3, 5, 6, 7}) {
      held[p] = true;
    }
    List<int[]> cover = ReductionTree.cover(8, held);
    assertEquals(3, cover.size());
    assertArrayEquals(new int[] {0, 4}, cover.get(0));
    assertArrayEquals(new int[] {5, 6}, cover.get(1));
    assertArrayEquals(new int[] {6, 8}, cover.get(2));
    // Interleaved placement (Spark's round-robin over executors) pre-sums nothing.
    boolean[] even = {true, false, true, false};
    assertEquals(2, ReductionTree.cover(4, even).size());
  }

  @Test
  void aMissingOrMisalignedPartIsRefused() {
    float[][] g = results(4, 2);
    List<PartialSum> missing =
        new ArrayList<>(
            List.of(
                PartitionResults.leaf(g, 0),
                PartitionResults.leaf(g, 1),
                PartitionResults.leaf(g, 3)));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReductionTree.reduce(missing, 0, 4));
    assertTrue(e.getMessage().contains("[2, 3)"), e.getMessage());
    // [1, 3) is not a node of the tree over [0, 4), whose halves are [0, 2) and [2, 4).
    PartialSum misaligned = new PartialSum(1, 3, new float[N], 0, 0, 0, 0);
    List<PartialSum> parts =
        new ArrayList<>(
            List.of(PartitionResults.leaf(g, 0), misaligned, PartitionResults.leaf(g, 3)));
    assertThrows(IllegalArgumentException.class, () -> ReductionTree.reduce(parts, 0, 4));
  }
}
