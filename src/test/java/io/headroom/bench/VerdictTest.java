package io.headroom.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.bench.Bootstrap.Interval;
import io.headroom.bench.Verdict.Better;
import org.junit.jupiter.api.Test;

class VerdictTest {

  @Test
  void anIntervalWhollyOnTheGoodSideIsAhead() {
    assertEquals("ahead", Verdict.of(new Interval(1.31, 1.45), 1.3, Better.HIGHER).word());
    assertEquals("ahead", Verdict.of(new Interval(0.91, 0.99), 1.0, Better.LOWER).word());
  }

  @Test
  void anIntervalWhollyOnTheBadSideIsBehind() {
    assertEquals("behind", Verdict.of(new Interval(1.1, 1.2), 1.3, Better.HIGHER).word());
    assertEquals("behind", Verdict.of(new Interval(1.01, 1.05), 1.0, Better.LOWER).word());
  }

  @Test
  void anIntervalThatHoldsTheReferenceIsNotResolved() {
    assertEquals("not resolved", Verdict.of(new Interval(0.97, 1.02), 1.0, Better.LOWER).word());
    assertEquals("not resolved", Verdict.of(new Interval(0.97, 1.02), 1.0, Better.HIGHER).word());
  }

  @Test
  void touchingTheReferenceDoesNotClearIt() {
    assertEquals("not resolved", Verdict.of(new Interval(1.0, 1.0), 1.0, Better.LOWER).word());
    assertEquals("not resolved", Verdict.of(new Interval(0.2, 0.25), 0.2, Better.LOWER).word());
  }
}
