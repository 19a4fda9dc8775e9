package org.sparkcnn.datasets.seeddata;

import java.math.BigInteger;
import org.sparkcnn.core.errors.ErrorText;

/**
 * numpy's {@code np.random.default_rng(seed).uniform(low, high)} for a non-negative int seed below
 * 2^32, bit for bit: SeedSequence(seed) hashes the seed into four 64-bit words, which seed a PCG64
 * (XSL-RR 128/64) generator; a double is the top 53 bits of the next 64-bit output over 2^53. Here
 * so that the seed data sets get the same per-image tints as the PyTorch reference script, without
 * Python.
 */
final class NumpyRandom {
  private static final int INIT_A = 0x43b0d7e5;
  private static final int MULT_A = 0x931e8875;
  private static final int INIT_B = 0x8b51f9dd;
  private static final int MULT_B = 0x58f38ded;
  private static final int MIX_MULT_L = 0xca01f9dd;
  private static final int MIX_MULT_R = 0x4973f715;
  private static final int POOL_SIZE = 4;
  private static final BigInteger MASK_128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
  private static final BigInteger MULTIPLIER =
      new BigInteger("2360ED051FC65DA44385DF649FCCF645", 16);

  private BigInteger state;
  private final BigInteger increment;

  /** np.random.default_rng(seed). */
  NumpyRandom(long seed) {
    if (seed < 0 || seed >= 1L << 32) {
      throw ErrorText.problem("seed out of range")
          .received(seed)
          .expected("an integer in [0, 2^32)")
          .illegalArgument();
    }
    long[] words = seedSequenceWords((int) seed);
    BigInteger initState = unsigned(words[0]).shiftLeft(64).or(unsigned(words[1]));
    BigInteger initSeq = unsigned(words[2]).shiftLeft(64).or(unsigned(words[3]));
    increment = initSeq.shiftLeft(1).or(BigInteger.ONE).and(MASK_128);
    state = BigInteger.ZERO;
    step();
    state = state.add(initState).and(MASK_128);
    step();
  }

  /** Generator.uniform(low, high): low + (high - low) * next_double. */
  double uniform(double low, double high) {
    return low + (high - low) * nextDouble();
  }

  double nextDouble() {
    return (nextLong() >>> 11) * (1.0 / 9007199254740992.0);
  }

  long nextLong() {
    step();
    long hi = state.shiftRight(64).longValue();
    long lo = state.longValue();
    int rot = state.shiftRight(122).intValue();
    return Long.rotateRight(hi ^ lo, rot);
  }

  private void step() {
    state = state.multiply(MULTIPLIER).add(increment).and(MASK_128);
  }

  /** SeedSequence(seed).generate_state(4, np.uint64). */
  static long[] seedSequenceWords(int seed) {
    int[] pool = new int[POOL_SIZE];
    int[] entropy = {seed};
    int[] hashConst = {INIT_A};
    for (int i = 0; i < POOL_SIZE; i++) {
      pool[i] = hashmix(i < entropy.length ? entropy[i] : 0, hashConst);
    }
    for (int src = 0; src < POOL_SIZE; src++) {
      for (int dst = 0; dst < POOL_SIZE; dst++) {
        if (src != dst) {
          pool[dst] = mix(pool[dst], hashmix(pool[src], hashConst));
        }
      }
    }
    int[] words32 = new int[8];
    int h = INIT_B;
    for (int i = 0; i < words32.length; i++) {
      int v = pool[i % POOL_SIZE];
      v ^= h;
      h *= MULT_B;
      v *= h;
      v ^= v >>> 16;
      words32[i] = v;
    }
    long[] out = new long[4];
    for (int i = 0; i < 4; i++) {
      // Little-endian: uint32 pairs viewed as uint64.
      out[i] = (words32[2 * i] & 0xFFFFFFFFL) | ((long) words32[2 * i + 1] << 32);
    }
    return out;
  }

  private static int hashmix(int value, int[] hashConst) {
    value ^= hashConst[0];
    hashConst[0] *= MULT_A;
    value *= hashConst[0];
    value ^= value >>> 16;
    return value;
  }

  private static int mix(int x, int y) {
    int r = MIX_MULT_L * x - MIX_MULT_R * y;
    r ^= r >>> 16;
    return r;
  }

  private static BigInteger unsigned(long v) {
    return new BigInteger(Long.toUnsignedString(v));
  }
}
