package org.sparkcnn.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An executor group's side of the sharded topology over the full mesh, per step: all-gather the
 * weights (each group gets its own shard from the driver and sends it to every peer) and
 * reduce-scatter the gradients (each group sends every peer the slice of its pre-summed tree nodes
 * that falls in the peer's shard; the owner completes the {@link ReductionTree} for its shard and
 * sends that alone to the driver). Shard j of the M weights is {@code [M j / G, M (j + 1) / G)}.
 *
 * <p>The owner adds exactly the nodes the driver would have added, element by element, so the
 * result has the star topology's bits.
 */
final class ShardExchange extends GroupExchange {
  private final List<List<int[]>> nodesOf = new ArrayList<>();
  private final float[][][] slices;
  private final PartialSum[][] received;

  ShardExchange(PeerMesh mesh, SyncProtocol.Peers peers, int partitions, int n) {
    super(mesh, peers, partitions, n);
    int shard = start[self + 1] - start[self];
    slices = new float[groups][][];
    received = new PartialSum[groups][];
    for (int j = 0; j < groups; j++) {
      boolean[] held = new boolean[partitions];
      for (int p : peers.partitions().get(j)) {
        held[p] = true;
      }
      List<int[]> nodes = ReductionTree.cover(partitions, held);
      nodesOf.add(nodes);
      slices[j] = new float[nodes.size()][shard];
      received[j] = new PartialSum[nodes.size()];
    }
  }

  /** The largest frame a peer sends: its nodes cut to the largest shard. */
  private int maxFrame() {
    int most = 0;
    for (List<int[]> nodes : nodesOf) {
      most = Math.max(most, nodes.size());
    }
    int shard = 0;
    for (int j = 0; j < groups; j++) {
      shard = Math.max(shard, start[j + 1] - start[j]);
    }
    return Math.max(SyncProtocol.slicesBytes(shard, most), SyncProtocol.shardBytes(shard));
  }

  /** params[own shard] is filled (from the driver); fills every other shard from its owner. */
  @Override
  void gatherWeights(int step, float[] params)
      throws PeerMesh.PeerLostException, InterruptedException {
    mesh.exchange(
        (to, buf) -> SyncProtocol.encodeShard(buf, step, params, start[self], start[self + 1]),
        maxFrame(),
        (from, b) -> {
          if (b.getInt() != SyncProtocol.SHARD) {
            throw new IOException("expected a weight shard from group " + from);
          }
          SyncProtocol.readShard(b, step, params, start[from], start[from + 1]);
        });
  }

  /**
   * Sends every peer its slice of {@code own} (this group's pre-summed nodes, full length) and
   * returns this group's shard of the whole tree: partitions [0, P), a gradient of the shard's
   * length.
   */
  @Override
  PartialSum reduceScatter(int step, List<PartialSum> own)
      throws PeerMesh.PeerLostException, InterruptedException {
    mesh.exchange(
        (to, buf) ->
            SyncProtocol.encodeParts(buf, SyncProtocol.SLICES, step, own, start[to], start[to + 1]),
        maxFrame(),
        (from, b) -> readSlices(from, step, b));
    List<PartialSum> parts = new ArrayList<>();
    for (int i = 0; i < own.size(); i++) {
      PartialSum p = own.get(i);
      float[] slice = slices[self][i];
      System.arraycopy(p.gradientSum(), start[self], slice, 0, slice.length);
      parts.add(p.withGradient(slice));
    }
    for (int j = 0; j < groups; j++) {
      if (j != self) {
        parts.addAll(List.of(received[j]));
      }
    }
    return ReductionTree.reduce(parts, 0, partitions);
  }

  private void readSlices(int from, int step, ByteBuffer b) throws IOException {
    if (b.getInt() != SyncProtocol.SLICES) {
      throw new IOException("expected gradient slices from group " + from);
    }
    int s = b.getInt();
    int k = b.getInt();
    List<int[]> nodes = nodesOf.get(from);
    if (s != step || k != nodes.size()) {
      throw new IOException(
          "out of step: group "
              + from
              + " sent step "
              + s
              + " with "
              + k
              + " parts; expected "
              + step
              + " with "
              + nodes.size());
    }
    for (int i = 0; i < k; i++) {
      int[] node = nodes.get(i);
      received[from][i] = SyncProtocol.readPart(b, node[0], node[1], slices[from][i]);
    }
  }
}
