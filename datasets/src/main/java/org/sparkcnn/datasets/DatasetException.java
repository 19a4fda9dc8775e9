package org.sparkcnn.datasets;

import org.sparkcnn.core.errors.ErrorText;

/**
 * The one error every reader in this module throws for bad or unreadable data; its message is built
 * by the project's one template, {@link ErrorText}.
 *
 * <p>Unchecked on purpose: the readers are called from Spark closures and stream pipelines, where
 * checked exceptions only get wrapped again. I/O failures (a file that cannot be opened, a read
 * that fails) are reported as a {@code DatasetException} too, with the {@link java.io.IOException}
 * kept as the cause, so callers catch one type.
 *
 * <p>Every message follows the project's error template: what is wrong, where (the file or source
 * name and the index or entry), {@code received: ...}, {@code expected: ...} and a hint:
 *
 * <pre>
 * Label out of range in 'train-labels-idx1-ubyte.gz', label 17; received: 12; expected: 0..9
 * (10 classes); hint: the class list has fewer names than the labels use.
 * </pre>
 *
 * Build one with {@link #in(String)}.
 */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String entry;
  private final String received;
  private final String expected;

  private DatasetException(Builder b) {
    super(b.message(), b.cause);
    this.source = b.source;
    this.entry = b.entry;
    this.received = b.parts.received();
    this.expected = b.parts.expected();
  }

  /** Starts an error about {@code source}: a file path, or a name such as "row 17 of part-0". */
  public static Builder in(String source) {
    return new Builder(source);
  }

  /** The file or source name the error is about. */
  public String source() {
    return source;
  }

  /** The index or entry inside the source ("image 3", "header bytes 0-3"), or null. */
  public String entry() {
    return entry;
  }

  /** What was found, or null. */
  public String received() {
    return received;
  }

  /** What was expected, or null. */
  public String expected() {
    return expected;
  }

  /**
   * Collects the parts of one message; {@link #problem} is the only required one. The template's
   * parts are kept in an {@link ErrorText.Builder}; the problem is completed with the source and
   * entry when the message is made.
   */
  public static final class Builder {
    private final String source;
    private final ErrorText.Builder parts = ErrorText.problem(null);
    private String entry;
    private String problem;
    private Throwable cause;

    private Builder(String source) {
      this.source = source;
    }

    /** The index or entry inside the source, e.g. "image 3" or "header bytes 4-7". */
    public Builder at(String entry) {
      this.entry = entry;
      return this;
    }

    /**
     * What is wrong, as a short sentence without a trailing period: "IDX magic number is wrong".
     */
    public Builder problem(String problem) {
      this.problem = problem;
      return this;
    }

    public Builder received(String received) {
      parts.received(received);
      return this;
    }

    public Builder expected(String expected) {
      parts.expected(expected);
      return this;
    }

    /** The likely cause or the fix, as one or more full sentences. */
    public Builder hint(String hint) {
      parts.hint(hint);
      return this;
    }

    public Builder cause(Throwable cause) {
      this.cause = cause;
      return this;
    }

    public DatasetException build() {
      if (problem == null) {
        throw new IllegalStateException("DatasetException needs a problem description");
      }
      return new DatasetException(this);
    }

    /** The project's template ({@link ErrorText}): "problem in 'source', entry; received: …". */
    private String message() {
      return parts
          .problem(problem + " in '" + source + "'" + (entry == null ? "" : ", " + entry))
          .text();
    }
  }
}
