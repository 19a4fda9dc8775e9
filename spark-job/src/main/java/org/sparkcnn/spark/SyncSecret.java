package org.sparkcnn.spark;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.spark.compat.SparkInternals;

/**
 * Where the sync channel's per-run key comes from, in the form that travels to the tasks inside the
 * barrier stage's closure. The closure is seen only by Spark's scheduler and the executors (it is
 * never part of a job name, description, the UI or the event log).
 *
 * <ul>
 *   <li>With {@code spark.authenticate} on, the key is derived from Spark's own secret and a fresh
 *       random per-run salt: {@code HMAC-SHA256(secret, "spark-cnn sync key v1" || salt)}. Only the
 *       salt travels; each task derives the key from its executor's copy of the secret, so the key
 *       itself never leaves a JVM.
 *   <li>Without it, the key is 32 fresh random bytes that travel in the closure. Spark's own
 *       channels are then unauthenticated too, so anyone who can reach them can also read task
 *       closures and broadcasts: the channel is exactly as private as Spark itself, and no weaker.
 * </ul>
 *
 * {@link #toString} never shows key material.
 */
final class SyncSecret implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final byte[] LABEL = "spark-cnn sync key v1".getBytes(StandardCharsets.US_ASCII);
  static final int KEY_BYTES = 32;

  private final boolean fromSpark;
  private final byte[] material;

  private SyncSecret(boolean fromSpark, byte[] material) {
    this.fromSpark = fromSpark;
    this.material = material;
  }

  /** A new per-run secret for this driver: Spark's own when authentication is on. */
  static SyncSecret forRun() {
    byte[] random = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(random);
    return new SyncSecret(SparkInternals.authenticationEnabled(), random);
  }

  /** Whether the key is derived from Spark's secret ({@code spark.authenticate}). */
  boolean fromSpark() {
    return fromSpark;
  }

  /** The 32-byte key, resolved in this JVM (on an executor: from its own copy of the secret). */
  byte[] key() {
    if (!fromSpark) {
      return material.clone();
    }
    byte[] sparkSecret = SparkInternals.authenticationSecret();
    if (sparkSecret == null) {
      throw new IllegalStateException(
          ErrorText.problem("the driver uses spark.authenticate but this JVM has no Spark secret")
              .received("no authenticated SparkEnv")
              .expected("executors of the same application")
              .text());
    }
    return hmac(sparkSecret, material);
  }

  private static byte[] hmac(byte[] key, byte[] salt) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(LABEL);
      return mac.doFinal(salt);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** A key from raw bytes (tests, and a future executor-to-executor exchange). */
  static SyncSecret ofKey(byte[] key) {
    return new SyncSecret(false, Arrays.copyOf(key, key.length));
  }

  @Override
  public String toString() {
    return fromSpark ? "SyncSecret[from spark.authenticate]" : "SyncSecret[random, redacted]";
  }
}
