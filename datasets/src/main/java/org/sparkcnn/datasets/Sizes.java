package org.sparkcnn.datasets;

/** Size arithmetic that cannot overflow, and the error for a size above its limit. */
public final class Sizes {
  private Sizes() {}

  /**
   * "File is too large ..." naming the limit; {@code what} starts the problem ("File", "Image").
   */
  public static DatasetException tooLarge(String source, String what, long size, long limit) {
    return DatasetException.in(source)
        .problem(what + " is too large")
        .received(size + " bytes")
        .expected("at most " + limit + " bytes")
        .hint("is this really the data meant here? Shrink it or remove it.")
        .build();
  }
}
