package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Issue 12, item 6: a flood of one reason logs a line a second and says how many it left out. */
class LogLimiterTest {
  private static final Logger log = LoggerFactory.getLogger(LogLimiterTest.class);

  private final LogCapture logs = new LogCapture();
  private long now = 1_000_000_000L;
  private final LogLimiter limiter = new LogLimiter(() -> now);

  @AfterEach
  void close() {
    logs.close();
  }

  @Test
  void oneLinePerReasonPerSecondThenTheCount() {
    for (int i = 0; i < 1300; i++) {
      limiter.warn(log, "idle_timeout", "session {}: closed", i);
    }
    limiter.warn(log, "malformed", "session {}: bad", 7);
    now += TimeUnit.MILLISECONDS.toNanos(999);
    limiter.warn(log, "idle_timeout", "session {}: closed", 1300);
    now += TimeUnit.MILLISECONDS.toNanos(1);
    limiter.warn(log, "idle_timeout", "session {}: closed", 1301);
    assertEquals(
        List.of(
            "WARN session 0: closed",
            "WARN session 7: bad",
            "WARN session 1301: closed (1300 more like this in the last second, not logged)"),
        logs.warnings());
  }

  @Test
  void whenTheFloodStopsFlushSaysWhatWasLeftOut() {
    limiter.info(log, "connection_lost", "session {}: lost", 1);
    limiter.info(log, "connection_lost", "session {}: lost", 2);
    limiter.info(log, "connection_lost", "session {}: lost", 3);
    limiter.flush();
    assertEquals(
        List.of("INFO session 1: lost"), logs.all(), "nothing to say before the second is over");
    now += TimeUnit.SECONDS.toNanos(1);
    limiter.flush();
    limiter.flush();
    assertEquals(
        List.of(
            "INFO session 1: lost",
            "INFO connection_lost: 2 more like this in the last second, not logged"),
        logs.all());
  }
}
