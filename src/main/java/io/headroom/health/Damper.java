package io.headroom.health;

/**
 * Turns raw probe results into a state that changes only after {@code failAfter} consecutive
 * failures or {@code recoverAfter} consecutive passes, so one slow DNS answer does not defer mail.
 * The first result sets the state at once: a daemon started on a full disk must not accept first.
 * Used by one thread at a time (the monitor's round).
 */
final class Damper {
  private final int failAfter;
  private final int recoverAfter;
  private Boolean healthy;
  private int streak;

  Damper(int failAfter, int recoverAfter) {
    this.failAfter = failAfter;
    this.recoverAfter = recoverAfter;
  }

  /** Feeds one raw result; returns the damped state. */
  boolean accept(boolean passed) {
    if (healthy == null) {
      healthy = passed;
      return healthy;
    }
    if (passed == healthy) {
      streak = 0;
      return healthy;
    }
    streak++;
    if (streak >= (healthy ? failAfter : recoverAfter)) {
      healthy = passed;
      streak = 0;
    }
    return healthy;
  }

  /** The damped state is failing. */
  boolean failing() {
    return Boolean.FALSE.equals(healthy);
  }

  /** A change has been seen but not yet confirmed by enough consecutive results. */
  boolean confirming() {
    return streak > 0;
  }
}
