package org.sparkcnn.spark.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

/** Assertions on the text of error messages. */
public final class Messages {
  private Messages() {}

  /** Fails, naming what is missing and showing {@code message}, unless it has every part. */
  public static void assertContains(String message, String... parts) {
    List<String> missing =
        List.of(parts).stream().filter(p -> message == null || !message.contains(p)).toList();
    if (!missing.isEmpty()) {
      fail("missing " + missing + " in: " + message);
    }
  }
}
