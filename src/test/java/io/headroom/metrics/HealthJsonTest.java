package io.headroom.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.probe.Measure;
import io.headroom.probe.ProbeResult;
import io.headroom.reply.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HealthJsonTest {

  @Test
  void aCheckStillFailingWhileItsRecoveryIsConfirmedGivesTheReasonItDefersWith() {
    ProbeResult full = result(false, "2.1% free");
    ProbeResult passedOnce = result(true, "30% free");
    CheckState recovering =
        new CheckState(
            passedOnce, false, Mode.ENFORCE, Stage.RCPT, Duration.ofMillis(1), Instant.EPOCH, full);
    String json = HealthJson.of(new HealthSnapshot(Instant.EPOCH, List.of(recovering)));
    assertTrue(
        json.contains(
            "\"healthy\":false,\"mode\":\"enforce\",\"measured\":\"30% free\",\"limit\":\"need 5%\","
                + "\"since\":\"1970-01-01T00:00:00Z\","
                + "\"reason\":\"Mail spool disk nearly full (2.1% free, need 5%)\""),
        json);
  }

  private static ProbeResult result(boolean healthy, String measured) {
    return new ProbeResult(
        Check.DISK,
        "disk:/var/spool",
        Measure.DISK_FREE_RATIO,
        "/var/spool",
        healthy,
        0.021,
        measured,
        "need 5%",
        healthy
            ? Optional.empty()
            : Optional.of(Reason.of("Mail spool disk", "nearly full", measured, "need 5%")),
        "statvfs /var/spool");
  }
}
