package io.headroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.probe.Measure;
import io.headroom.probe.ProbeResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DaemonTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private final HealthSnapshot healthy =
      new HealthSnapshot(
          NOW,
          List.of(
              new CheckState(
                  new ProbeResult(
                      Check.DISK,
                      "disk_space:/",
                      Measure.DISK_FREE_RATIO,
                      "/",
                      true,
                      0.5,
                      "50% free",
                      "need 5%",
                      Optional.empty(),
                      "ok"),
                  true,
                  Mode.ENFORCE,
                  Stage.RCPT,
                  Duration.ofMillis(1),
                  NOW)));

  @Test
  void healthIsServedAsItIsWhileTheEventLoopKeepsTime() {
    assertSame(healthy, Daemon.served(healthy, Duration.ofMillis(1900), NOW));
  }

  /** A wedged event loop answers no session: /health must not say ok because the probes do. */
  @Test
  void aStalledEventLoopMakesEveryCheckFail() {
    HealthSnapshot served = Daemon.served(healthy, Duration.ofMillis(4500), NOW);
    assertFalse(served.allEnforcedHealthy());
    assertEquals(
        "Mail filter event loop stalled (for 4.5s)", served.failing().get(0).latest().reason());
  }
}
