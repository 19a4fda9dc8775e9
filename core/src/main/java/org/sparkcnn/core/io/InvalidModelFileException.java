package org.sparkcnn.core.io;

import java.io.IOException;
import org.sparkcnn.core.errors.ErrorText;

/**
 * A model file (weights, spec, model directory entry) whose bytes break the format's rules:
 * truncated, inconsistent or hostile. Thrown before any allocation sized from the bad field. The
 * message reads {@code source: what is wrong; received: …; expected: …; hint: …}.
 */
public class InvalidModelFileException extends IOException {

  private static final long serialVersionUID = 1L;

  /**
   * @param source the file's name as the user knows it (a path or URI)
   * @param what what is wrong, in a few words
   * @param received what the file holds
   * @param expected what the format requires
   * @param hint a likely cause or remedy; may be null
   */
  public InvalidModelFileException(
      String source, String what, String received, String expected, String hint) {
    super(source + ": " + ErrorText.of(what, received, expected, hint));
  }

  /** For a message already in the template, such as a {@link JsonException}'s. */
  public InvalidModelFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
