package org.sparkcnn.spark;

import java.util.List;

/**
 * An executor group's side of the sharded topology, per step: all-gather the weights and
 * reduce-scatter the gradients among the launch's G groups, group j owning shard j of the M
 * weights, {@code [shardStart(M, G, j), shardStart(M, G, j + 1))} ({@link
 * SyncProtocol#shardStart}). Two ways: every group trades with every other ({@link ShardExchange}),
 * or in log2 G rounds of pairs ({@link HalvingExchange}); both add the partition results in the
 * {@link ReductionTree}'s order, so the owner's shard has the star topology's bits.
 */
abstract class GroupExchange implements AutoCloseable {
  final PeerMesh mesh;
  final int self;
  final int groups;
  final int partitions;

  /** Where each shard starts, and M at index G. */
  final int[] start;

  GroupExchange(PeerMesh mesh, SyncProtocol.Peers peers, int partitions, int n) {
    this.mesh = mesh;
    this.self = peers.self();
    this.groups = peers.endpoints().size();
    this.partitions = partitions;
    this.start = new int[groups + 1];
    for (int j = 0; j <= groups; j++) {
      start[j] = SyncProtocol.shardStart(n, groups, j);
    }
  }

  /**
   * The exchange for {@code peers} over the connections of {@code mesh} (opened to {@link
   * #partners}).
   */
  static GroupExchange over(PeerMesh mesh, SyncProtocol.Peers peers, int partitions, int n) {
    return HalvingExchange.applies(peers.endpoints().size())
        ? new HalvingExchange(mesh, peers, partitions, n)
        : new ShardExchange(mesh, peers, partitions, n);
  }

  /** The groups {@code self} connects to: log2 G partners when halving applies, else every one. */
  static boolean[] partners(int self, int groups) {
    return HalvingExchange.applies(groups)
        ? HalvingExchange.partners(self, groups)
        : PeerMesh.everyone(self, groups);
  }

  /** The first weight of this group's shard. */
  final int shardFrom() {
    return start[self];
  }

  /** One past the last weight of this group's shard. */
  final int shardTo() {
    return start[self + 1];
  }

  /** params[own shard] is filled (from the driver or this group's optimizer); fills the rest. */
  abstract void gatherWeights(int step, float[] params)
      throws PeerMesh.PeerLostException, InterruptedException;

  /**
   * Shares {@code own} (this group's pre-summed tree nodes, full length; their buffers may be
   * overwritten) and returns this group's shard of the whole tree: partitions [0, P), a gradient of
   * the shard's length.
   */
  abstract PartialSum reduceScatter(int step, List<PartialSum> own)
      throws PeerMesh.PeerLostException, InterruptedException;

  @Override
  public final void close() {
    mesh.close();
  }
}
