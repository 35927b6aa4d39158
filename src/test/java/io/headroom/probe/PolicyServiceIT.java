package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.PolicyProbeMode;
import io.headroom.config.PolicyService;
import io.headroom.support.PolicyServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PolicyServiceProbe, both modes, against the test support's policy server, up, down and back. */
@Timeout(60)
class PolicyServiceIT {
  private static final Duration DEADLINE = Duration.ofSeconds(2);

  @Test
  void aServerThatAnswersIsHealthyDownIsUnavailableBackIsHealthy() throws Exception {
    try (PolicyServer server = PolicyServer.start()) {
      PolicyService service = PolicyService.parse(server.endpoint(), Path.of("/var/spool/postfix"));
      PolicyServiceProbe connect =
          new PolicyServiceProbe(service, PolicyProbeMode.CONNECT, "", DEADLINE);
      PolicyServiceProbe request =
          new PolicyServiceProbe(
              service, PolicyProbeMode.REQUEST, "headroom-probe@example.org", DEADLINE);

      assertTrue(connect.run().healthy());
      ProbeResult answered = request.run();
      assertTrue(answered.healthy(), answered.detail());
      assertTrue(
          answered.detail().startsWith(server.endpoint() + ": action=DUNNO in "),
          answered.detail());
      assertEquals(1, server.requests());

      server.stop();
      for (PolicyServiceProbe probe : new PolicyServiceProbe[] {connect, request}) {
        ProbeResult down = probe.run();
        assertFalse(down.healthy(), down.detail());
        assertEquals("Policy service unavailable", down.reason());
        assertEquals("connection refused", down.measured());
      }

      server.restart();
      assertTrue(request.run().healthy());
      assertEquals(2, server.requests());
    }
  }
}
