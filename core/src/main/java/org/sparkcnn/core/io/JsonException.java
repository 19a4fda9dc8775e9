package org.sparkcnn.core.io;

/**
 * A JSON text that cannot be parsed or written, or a parsed value that does not have the shape a
 * reader asked for (a missing field, a wrong type, an unknown key). The message always follows the
 * template {@code where: what is wrong; received: …; expected: …; hint: …}.
 */
public class JsonException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public JsonException(String message) {
    super(message);
  }
}
