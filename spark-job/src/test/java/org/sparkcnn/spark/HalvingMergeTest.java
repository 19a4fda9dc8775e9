package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Recursive halving's bookkeeping without sockets: groups trade tree nodes cut to halves of the
 * gradient as {@link HalvingExchange} does, adding siblings as they arrive ({@link
 * ReductionTree#merge}), and every owner's shard has the bits of {@link ReductionTree#reduce} over
 * all partitions, whatever the placement.
 */
class HalvingMergeTest {
  /** Not a multiple of the group counts, so shards differ in length. */
  private static final int N = 67;

  private static float[][] results(int partitions, long seed) {
    return PartitionResults.results(partitions, N, seed);
  }

  /** What halving over a placement did: each group's shard, and the nodes sent per round. */
  private record Halved(List<int[]> members, PartialSum[] shards, int[][] sent) {}

  /**
   * Groups hold the partitions with {@code key[p]} equal, are numbered as the driver numbers them
   * and trade in rounds: each round every group sends copies of its nodes cut to its partner's half
   * (the wire), then merges what it received into its own half.
   */
  private static Halved halve(float[][] g, int[] key) {
    int partitions = g.length;
    List<int[]> byLowest = new ArrayList<>();
    for (int k : Arrays.stream(key).distinct().toArray()) {
      byLowest.add(IntStream.range(0, partitions).filter(p -> key[p] == k).toArray());
    }
    byLowest.sort(Comparator.comparingInt(m -> m[0]));
    List<int[]> members = HalvingExchange.numbered(byLowest);
    int groups = members.size();
    int rounds = Integer.numberOfTrailingZeros(groups);
    int[] start = new int[groups + 1];
    for (int j = 0; j <= groups; j++) {
      start[j] = SyncProtocol.shardStart(N, groups, j);
    }
    List<List<PartialSum>> held = new ArrayList<>();
    for (int[] m : members) {
      boolean[] has = new boolean[partitions];
      for (int p : m) {
        has[p] = true;
      }
      List<PartialSum> nodes = new ArrayList<>();
      for (int[] node : ReductionTree.cover(partitions, has)) {
        List<PartialSum> leaves = new ArrayList<>();
        for (int p = node[0]; p < node[1]; p++) {
          leaves.add(PartitionResults.leaf(g, p));
        }
        nodes.add(ReductionTree.reduce(leaves, node[0], node[1]));
      }
      held.add(nodes);
    }
    int[][] sent = new int[rounds][groups];
    for (int t = 0; t < rounds; t++) {
      int d = groups >> (t + 1);
      List<List<PartialSum>> wire = new ArrayList<>();
      for (int j = 0; j < groups; j++) {
        int partner = j ^ d;
        int lo = start[partner & -d];
        int hi = start[(partner & -d) + d];
        List<PartialSum> copies = new ArrayList<>();
        for (PartialSum p : held.get(j)) {
          float[] slice = new float[N];
          System.arraycopy(p.gradientSum(), lo, slice, lo, hi - lo);
          copies.add(p.withGradient(slice));
        }
        wire.add(copies);
        sent[t][j] = copies.size();
      }
      for (int j = 0; j < groups; j++) {
        List<PartialSum> union = new ArrayList<>(held.get(j));
        union.addAll(wire.get(j ^ d));
        union.sort(Comparator.comparingInt(PartialSum::from));
        int lo = start[j & -d];
        int hi = start[(j & -d) + d];
        held.set(j, ReductionTree.merge(union, partitions, lo, hi, b -> {}));
      }
    }
    PartialSum[] shards = new PartialSum[groups];
    for (int j = 0; j < groups; j++) {
      List<PartialSum> nodes = held.get(j);
      assertEquals(1, nodes.size(), "group " + j + " ends with node [0, P) only");
      PartialSum p = nodes.get(0);
      shards[j] = p.withGradient(Arrays.copyOfRange(p.gradientSum(), start[j], start[j + 1]));
    }
    return new Halved(members, shards, sent);
  }

  private static void assertSameBits(PartialSum expected, Halved h, String what) {
    int groups = h.shards().length;
    for (int j = 0; j < groups; j++) {
      PartialSum s = h.shards()[j];
      int lo = SyncProtocol.shardStart(N, groups, j);
      int hi = SyncProtocol.shardStart(N, groups, j + 1);
      String where = what + ", shard " + j;
      assertEquals(0, s.from(), where);
      assertEquals(expected.to(), s.to(), where);
      assertArrayEquals(Arrays.copyOfRange(expected.gradientSum(), lo, hi), s.gradientSum(), where);
      assertEquals(expected.lossSum(), s.lossSum(), 0, where);
      assertEquals(expected.count(), s.count(), where);
      assertEquals(expected.correct(), s.correct(), 0, where);
      assertEquals(expected.slowestComputeNanos(), s.slowestComputeNanos(), where);
    }
  }

  @Test
  void everyPlacementGivesTheTreesBitsInEveryShard() {
    Random r = new Random(7);
    for (int groups : new int[] {4, 8, 16}) {
      for (int partitions : new int[] {groups, groups + 3, 2 * groups, 3 * groups + 1, 64}) {
        float[][] g = results(partitions, 31L * partitions + groups);
        PartialSum expected = PartitionResults.flat(g);
        for (int trial = 0; trial < 25; trial++) {
          // Every group gets one partition, the rest at random.
          List<Integer> order = new ArrayList<>();
          for (int p = 0; p < partitions; p++) {
            order.add(p);
          }
          Collections.shuffle(order, r);
          int[] key = new int[partitions];
          for (int i = 0; i < partitions; i++) {
            key[order.get(i)] = i < groups ? i : r.nextInt(groups);
          }
          String what = groups + " groups over " + Arrays.toString(key);
          assertSameBits(expected, halve(g, key), what);
        }
      }
    }
  }

  /**
   * Aligned runs and Spark's round-robin placement send as few nodes as the full mesh: one per
   * round when every group holds an aligned run, P / G per round when group k holds the partitions
   * p with p mod G = k.
   */
  @Test
  void alignedAndRoundRobinPlacementsSendFewNodes() {
    for (int groups : new int[] {4, 8}) {
      int partitions = 4 * groups;
      float[][] g = results(partitions, groups);
      PartialSum expected = PartitionResults.flat(g);
      Halved aligned = halve(g, IntStream.range(0, partitions).map(p -> p / 4).toArray());
      Halved roundRobin = halve(g, IntStream.range(0, partitions).map(p -> p % groups).toArray());
      assertSameBits(expected, aligned, "aligned");
      assertSameBits(expected, roundRobin, "round robin");
      for (int[] round : aligned.sent()) {
        assertTrue(Arrays.stream(round).allMatch(k -> k == 1), Arrays.toString(round));
      }
      for (int[] round : roundRobin.sent()) {
        assertTrue(Arrays.stream(round).allMatch(k -> k == 4), Arrays.toString(round));
      }
    }
  }

  @Test
  void partnersAreLog2GroupsAndSymmetric() {
    for (int groups : new int[] {4, 8, 256}) {
      for (int i = 0; i < groups; i++) {
        boolean[] mine = HalvingExchange.partners(i, groups);
        assertFalse(mine[i]);
        int count = 0;
        for (int j = 0; j < groups; j++) {
          if (mine[j]) {
            count++;
            assertTrue(HalvingExchange.partners(j, groups)[i], i + " and " + j);
          }
        }
        assertEquals(Integer.numberOfTrailingZeros(groups), count);
      }
    }
    assertTrue(HalvingExchange.applies(4) && HalvingExchange.applies(256));
    assertFalse(
        HalvingExchange.applies(2) || HalvingExchange.applies(3) || HalvingExchange.applies(12));
  }
}
