package org.sparkcnn.spark;

/**
 * A distributed fit stopped for good: the message is the one line a user sees (what failed, where
 * in the run, and what to do); the cause, for the log, is what the driver observed.
 */
public final class TrainingFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
