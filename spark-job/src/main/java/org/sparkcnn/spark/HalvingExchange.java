package org.sparkcnn.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.sparkcnn.core.errors.ErrorText;

/**
 * The sharded topology's exchange by recursive halving (reduce-scatter) and recursive doubling
 * (all-gather), for G groups where G is a power of two of at least 4: each group trades with log2 G
 * partners, one per round, instead of all G - 1 others, so a group holds log2 G peer connections (8
 * at G = 256, against 255 in the full mesh) and handles 2 x log2 G frames per step instead of 2 x
 * (G - 1), for the same (G - 1) / G x M floats each way when partitions are placed in aligned or
 * round-robin runs.
 *
 * <p>Reduce-scatter, round t = 0 ... log2 G - 1: group i and its partner i XOR G / 2^(t+1) hold the
 * same range of the gradient (the aligned block of G / 2^t shards containing i); each sends the
 * other its tree nodes cut to the other's half and keeps its own half, where it adds every two
 * nodes that are siblings of the {@link ReductionTree} ({@link ReductionTree#merge}). After the
 * last round group i holds shard i of node [0, P). Adding siblings early is the same float addition
 * the final reduction would make, so the bits are the star topology's whatever the placement; the
 * placement decides only how many nodes travel. The driver numbers the groups ({@link #numbered})
 * so that round 0 pairs the groups holding neighbouring partitions, round 1 neighbouring pairs, and
 * so on, which is how the tree pairs runs of partitions.
 *
 * <p>All-gather: the same pairs in reverse order; in the round with distance d = 1, 2, ..., G / 2
 * each group sends its partner the aligned block of d shards it holds and receives the partner's.
 *
 * <p>Why powers of two from 4: the pairs need G = 2^k, and at G = 2 halving is the direct exchange.
 * Other G keep the full mesh ({@link ShardExchange}).
 */
final class HalvingExchange extends GroupExchange {
  private final int n;
  private final int rounds;

  /** Per reduce-scatter round: the nodes the partner sends, the cover of its team's partitions. */
  private final List<List<int[]>> incoming = new ArrayList<>();

  private final int maxFrame;

  /** Full-length buffers for received slices, reused across rounds and steps. */
  private final Deque<float[]> free = new ArrayDeque<>();

  private final Set<float[]> pooled = Collections.newSetFromMap(new IdentityHashMap<>());
  private final List<float[]> shardBuffers = new ArrayList<>();

  HalvingExchange(PeerMesh mesh, SyncProtocol.Peers peers, int partitions, int n) {
    super(mesh, peers, partitions, n);
    this.n = n;
    if (!applies(groups)) {
      throw ErrorText.problem("recursive halving over a group count that is not a power of two")
          .received(groups + " groups")
          .expected("4, 8, 16, ...")
          .illegalArgument();
    }
    this.rounds = Integer.numberOfTrailingZeros(groups);
    int most = 0;
    for (int t = 0; t < rounds; t++) {
      int d = groups >> (t + 1);
      int partner = self ^ d;
      List<int[]> mine = ReductionTree.cover(partitions, team(peers, partitions, self, t));
      List<int[]> theirs = ReductionTree.cover(partitions, team(peers, partitions, partner, t));
      incoming.add(theirs);
      int sendLength = end(partner, d) - begin(partner, d);
      int keepLength = end(self, d) - begin(self, d);
      most = Math.max(most, SyncProtocol.slicesBytes(sendLength, mine.size()));
      most = Math.max(most, SyncProtocol.slicesBytes(keepLength, theirs.size()));
      most = Math.max(most, SyncProtocol.shardBytes(Math.max(sendLength, keepLength)));
    }
    this.maxFrame = most;
  }

  /** Whether G groups exchange by halving: G a power of two of at least 4. */
  static boolean applies(int groups) {
    return groups >= 4 && Integer.bitCount(groups) == 1;
  }

  /** The log2 G groups {@code self} trades with: self XOR G/2, self XOR G/4, ..., self XOR 1. */
  static boolean[] partners(int self, int groups) {
    boolean[] partner = new boolean[groups];
    for (int d = groups >> 1; d > 0; d >>= 1) {
      partner[self ^ d] = true;
    }
    return partner;
  }

  /**
   * The groups numbered for halving, from their order by lowest partition: the r-th gets number
   * reverse(r) (log2 G bits), so that round t, which pairs numbers differing in bit log2 G - 1 - t,
   * pairs ranks differing in bit t: ranks 0 and 1 first, then {0, 1} with {2, 3}, as the tree does
   * when each group holds an aligned run of partitions.
   */
  static <T> List<T> numbered(List<T> byLowestPartition) {
    int g = byLowestPartition.size();
    int bits = Integer.numberOfTrailingZeros(g);
    List<T> out = new ArrayList<>(Collections.nCopies(g, null));
    for (int r = 0; r < g; r++) {
      out.set(Integer.reverse(r) >>> (Integer.SIZE - bits), byLowestPartition.get(r));
    }
    return out;
  }

  /**
   * The partitions whose sums group i holds before reduce-scatter round t: those of the groups that
   * agree with i in the low log2 G - t bits (the groups it has traded with, directly or through a
   * partner).
   */
  private static boolean[] team(SyncProtocol.Peers peers, int partitions, int i, int t) {
    int g = peers.endpoints().size();
    int mask = (g >> t) - 1;
    boolean[] held = new boolean[partitions];
    for (int j = 0; j < g; j++) {
      if ((j & mask) == (i & mask)) {
        for (int p : peers.partitions().get(j)) {
          held[p] = true;
        }
      }
    }
    return held;
  }

  /** The first weight of the aligned block of d shards that holds shard i. */
  private int begin(int i, int d) {
    return start[i & -d];
  }

  private int end(int i, int d) {
    return start[(i & -d) + d];
  }

  @Override
  void gatherWeights(int step, float[] params)
      throws PeerMesh.PeerLostException, InterruptedException {
    for (int d = 1; d < groups; d <<= 1) {
      int partner = self ^ d;
      int lo = begin(self, d);
      int hi = end(self, d);
      int from = begin(partner, d);
      int to = end(partner, d);
      mesh.swap(
          partner,
          (peer, buf) -> SyncProtocol.encodeShard(buf, step, params, lo, hi),
          maxFrame,
          (peer, b) -> {
            if (b.getInt() != SyncProtocol.SHARD) {
              throw new IOException("expected weight shards from group " + peer);
            }
            SyncProtocol.readShard(b, step, params, from, to);
          });
    }
  }

  @Override
  PartialSum reduceScatter(int step, List<PartialSum> own)
      throws PeerMesh.PeerLostException, InterruptedException {
    List<PartialSum> held = own;
    for (int t = 0; t < rounds; t++) {
      int d = groups >> (t + 1);
      int partner = self ^ d;
      int sendFrom = begin(partner, d);
      int sendTo = end(partner, d);
      int keepFrom = begin(self, d);
      int keepTo = end(self, d);
      List<PartialSum> sending = held;
      List<int[]> nodes = incoming.get(t);
      List<PartialSum> got = new ArrayList<>(nodes.size());
      mesh.swap(
          partner,
          (peer, buf) ->
              SyncProtocol.encodeParts(buf, SyncProtocol.SLICES, step, sending, sendFrom, sendTo),
          maxFrame,
          (peer, b) -> readSlices(peer, step, b, nodes, keepFrom, keepTo, got));
      held =
          ReductionTree.merge(inOrder(sending, got), partitions, keepFrom, keepTo, this::release);
    }
    int lo = start[self];
    int hi = start[self + 1];
    List<PartialSum> parts = new ArrayList<>();
    for (int i = 0; i < held.size(); i++) {
      PartialSum p = held.get(i);
      if (shardBuffers.size() <= i) {
        shardBuffers.add(new float[hi - lo]);
      }
      float[] shard = shardBuffers.get(i);
      System.arraycopy(p.gradientSum(), lo, shard, 0, hi - lo);
      parts.add(p.withGradient(shard));
      release(p.gradientSum());
    }
    return ReductionTree.reduce(parts, 0, partitions);
  }

  private void readSlices(
      int from, int step, ByteBuffer b, List<int[]> nodes, int lo, int hi, List<PartialSum> into)
      throws IOException {
    if (b.getInt() != SyncProtocol.SLICES) {
      throw new IOException("expected gradient slices from group " + from);
    }
    int s = b.getInt();
    int k = b.getInt();
    if (s != step || k != nodes.size()) {
      throw new IOException(
          ErrorText.problem("out of step")
              .in("group " + from)
              .received("step " + s + " with " + k + " parts")
              .expected("step " + step + " with " + nodes.size())
              .text());
    }
    for (int[] node : nodes) {
      into.add(SyncProtocol.readPart(b, node[0], node[1], take(), lo, hi));
    }
    if (b.hasRemaining()) {
      throw new IOException(b.remaining() + " bytes after the last slice from group " + from);
    }
  }

  /** Two lists of disjoint nodes, each in partition order, as one in partition order. */
  private static List<PartialSum> inOrder(List<PartialSum> a, List<PartialSum> b) {
    List<PartialSum> out = new ArrayList<>(a.size() + b.size());
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (j == b.size() || (i < a.size() && a.get(i).from() < b.get(j).from())) {
        out.add(a.get(i++));
      } else {
        out.add(b.get(j++));
      }
    }
    return out;
  }

  private float[] take() {
    float[] buf = free.poll();
    if (buf == null) {
      buf = new float[n];
      pooled.add(buf);
    }
    return buf;
  }

  /** A received buffer whose values were added or copied out; the group's own are not ours. */
  private void release(float[] buf) {
    if (pooled.contains(buf)) {
      free.push(buf);
    }
  }
}
