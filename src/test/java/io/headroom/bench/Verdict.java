package io.headroom.bench;

import io.headroom.bench.Bootstrap.Interval;

/**
 * What an interval says against a reference value (a target, or 1 for a ratio without one): only an
 * interval entirely on one side of it decides.
 */
enum Verdict {
  AHEAD("ahead"),
  BEHIND("behind"),
  NOT_RESOLVED("not resolved");

  private final String word;

  Verdict(String word) {
    this.word = word;
  }

  String word() {
    return word;
  }

  /** Which side of the reference is the good one. */
  enum Better {
    HIGHER,
    LOWER
  }

  static Verdict of(Interval interval, double reference, Better better) {
    boolean above = interval.low() > reference;
    boolean below = interval.high() < reference;
    if (!above && !below) {
      return NOT_RESOLVED;
    }
    return above == (better == Better.HIGHER) ? AHEAD : BEHIND;
  }
}
