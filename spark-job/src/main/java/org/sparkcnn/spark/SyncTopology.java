package org.sparkcnn.spark;

import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.optim.Adam;
import org.sparkcnn.core.optim.Optimizer;
import org.sparkcnn.core.optim.Sgd;

/**
 * How a driver-sync step's weights and gradients travel (the {@code sync_topology} setting). Both
 * add the partitions' results in the {@link ReductionTree}'s order and give the same bits; they
 * differ in who carries the bytes.
 *
 * <ul>
 *   <li>{@link #STAR}: each executor sends its pre-summed gradient to the driver and receives all
 *       weights from it: the driver moves about 2 x E x M floats per step for E executors and M
 *       weights, in two hops.
 *   <li>{@link #SHARDED}: the executors reduce-scatter their gradients among themselves (each owns
 *       1/E of the weights and of the optimizer's state), each owner applies the optimizer to its
 *       shard, and the executors all-gather the weights, in two hops; each owner also sends its
 *       shard's sum to the driver, which applies the same step to its own copy off the steps' path
 *       (checkpoints, divergence check, relaunch). The driver receives M floats per step whatever E
 *       (and sends the weights and optimizer state once per launch), each executor moves about 2 x
 *       M (2 x parts x M / E out).
 * </ul>
 */
enum SyncTopology {
  STAR,
  SHARDED;

  /** Executors from which "auto" shards (see docs/performance.md's scale section). */
  static final int SHARDED_FROM_EXECUTORS = 4;

  /** Weights from which "auto" shards: below, a step's extra two hops cost more than it saves. */
  static final int SHARDED_FROM_WEIGHTS = 65_536;

  /**
   * The topology "auto" picks: the star moves 2 E M floats through the driver per step and the
   * sharded topology 2 M (plus two more hops of latency and E - 1 messages per executor per hop),
   * so sharding pays once E and M are both past small values.
   */
  static SyncTopology choose(int executors, int weights) {
    return executors >= SHARDED_FROM_EXECUTORS && weights >= SHARDED_FROM_WEIGHTS ? SHARDED : STAR;
  }

  /**
   * Whether executors can apply {@code optimizer} to their shards: one of core's own (rebuilt there
   * from its Keras config), not a user's class they might not have.
   */
  static boolean shardable(Optimizer optimizer) {
    return optimizer instanceof Sgd || optimizer instanceof Adam;
  }

  /** The key's values: "auto", "star", "sharded". */
  static SyncTopology parse(String value) {
    return switch (value) {
      case "star" -> STAR;
      case "sharded" -> SHARDED;
      default ->
          throw ErrorText.problem("unknown sync_topology")
              .received(ErrorText.quote(value))
              .expected("\"auto\", \"star\" or \"sharded\"")
              .illegalArgument();
    };
  }
}
