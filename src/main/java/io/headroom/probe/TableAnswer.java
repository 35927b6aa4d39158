package io.headroom.probe;

import java.time.Duration;

/**
 * How a lookup table answered one query.
 *
 * @param outcome found, not found, failed or timed out
 * @param message for the log: what postmap said on failure (or beside an answer), empty otherwise
 * @param elapsed how long the query took
 */
public record TableAnswer(Outcome outcome, String message, Duration elapsed) {

  public enum Outcome {
    FOUND,
    NOT_FOUND,
    /** An error from the table driver, or postmap could not run. */
    FAILED,
    /** Killed at the deadline. */
    TIMED_OUT
  }

  /** Found and not found both prove that the backend answered. */
  public boolean answered() {
    return outcome == Outcome.FOUND || outcome == Outcome.NOT_FOUND;
  }
}
