package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 12, item 2: a beat that does not come when due shows as a stalled loop. */
class LoopBeatTest {

  @Test
  void aBeatOnTimeIsNoStallAMissedOneIsMeasuredFromWhenItWasDue() throws InterruptedException {
    LoopBeat beat = new LoopBeat(new LogLimiter());
    beat.run();
    assertEquals(Duration.ZERO, beat.stalledFor());
    Thread.sleep(LoopBeat.INTERVAL_MILLIS + 300);
    Duration stalled = beat.stalledFor();
    assertTrue(stalled.toMillis() >= 300 && stalled.toMillis() < 5_000, stalled.toString());
    beat.run();
    assertEquals(Duration.ZERO, beat.stalledFor());
  }
}
