package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.DnsQuestion;
import io.headroom.config.DnsRecursion;
import io.headroom.config.DnsSettings;
import io.headroom.support.Dnsmasq;
import io.headroom.support.TruncatingDnsServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.TextParseException;

/** DnsProbe with dnsjava against a private dnsmasq on loopback. */
class DnsProbeIT {

  private static DnsProbe probe(
      List<InetSocketAddress> resolvers, Duration timeout, String... names)
      throws TextParseException {
    return new DnsProbe(
        new DnsSettings(resolvers, Stream.of(names).map(DnsQuestion::parse).toList(), timeout));
  }

  @Test
  void answeringResolverIsHealthyForTheRootAndForNames() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start()) {
      ProbeResult r =
          probe(List.of(dns.address()), Duration.ofSeconds(2), ".", "example.com").run();

      assertTrue(r.healthy(), r.detail());
      assertTrue(r.value() > 0 && r.value() < 2, "seconds: " + r.value());
      assertTrue(r.detail().contains("./NS: NOERROR"), r.detail());
      assertTrue(r.detail().contains("example.com./A: NOERROR"), r.detail());
    }
  }

  @Test
  void stoppedResolverFails() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start()) {
      DnsProbe probe = probe(List.of(dns.address()), Duration.ofSeconds(2), ".");
      assertTrue(probe.run().healthy());

      dns.stop();
      ProbeResult r = probe.run();

      assertFalse(r.healthy());
      assertEquals("DNS resolution failing (resolver unreachable)", r.reason());
      assertTrue(r.detail().startsWith("127.0.0.1:" + dns.port() + " "), r.detail());
    }
  }

  @Test
  void portWhereNothingListensFails() throws Exception {
    int port;
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }

    ProbeResult r =
        probe(List.of(new InetSocketAddress("127.0.0.1", port)), Duration.ofSeconds(2), ".").run();

    assertFalse(r.healthy());
    assertEquals("DNS resolution failing (resolver unreachable)", r.reason());
  }

  @Test
  void hungResolverFailsAfterTheTimeoutNotLater() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start()) {
      dns.freeze();
      long start = System.nanoTime();

      ProbeResult r = probe(List.of(dns.address()), Duration.ofMillis(500), ".").run();

      double seconds = (System.nanoTime() - start) / 1e9;
      assertFalse(r.healthy());
      assertEquals("DNS resolution failing (no answer within 500ms)", r.reason());
      assertTrue(seconds >= 0.45 && seconds < 1.0, "took " + seconds + "s");
    }
  }

  @Test
  void refusingResolverFails() throws Exception {
    try (Dnsmasq dns = Dnsmasq.startRefusing()) {
      ProbeResult r = probe(List.of(dns.address()), Duration.ofSeconds(2), ".").run();

      assertFalse(r.healthy());
      assertEquals("DNS resolution failing (REFUSED)", r.reason());
    }
  }

  @Test
  void oneWorkingResolverOutOfTwoIsEnough() throws Exception {
    try (Dnsmasq down = Dnsmasq.start();
        Dnsmasq up = Dnsmasq.start()) {
      down.stop();

      ProbeResult r =
          probe(List.of(down.address(), up.address()), Duration.ofSeconds(2), ".").run();

      assertTrue(r.healthy(), r.detail());
    }
  }

  @Test
  void deadUpstreamFailsTheRandomLabelProbeWhileTheRootProbeStaysHealthyUntilItIsBack()
      throws Exception {
    try (Dnsmasq internet = Dnsmasq.startUpstream();
        Dnsmasq forwarder = Dnsmasq.startForwarding(internet)) {
      DnsSettings settings =
          new DnsSettings(
              List.of(forwarder.address()),
              List.of(DnsQuestion.parse("."), DnsQuestion.parse("cached.example.org")),
              Duration.ofSeconds(2));
      DnsProbe liveness = new DnsProbe(settings);
      Probe recursion =
          DnsProbe.recursion(
              settings,
              new DnsRecursion(List.of(DnsQuestion.parse("*.example.org")), Duration.ofSeconds(1)));
      ProbeResult livenessBefore = liveness.run();
      ProbeResult recursionBefore = recursion.run();
      assertTrue(livenessBefore.healthy(), livenessBefore.detail());
      assertTrue(recursionBefore.healthy(), recursionBefore.detail());

      internet.stop();
      ProbeResult stillCached = recursion.run();
      Thread.sleep(1_000);
      ProbeResult root = liveness.run();
      ProbeResult uncached = recursion.run();

      assertTrue(stillCached.healthy(), "within its minimum interval the last pass stands");
      assertTrue(
          root.healthy(), "the forwarder answers the root and what it cached: " + root.detail());
      assertFalse(uncached.healthy(), uncached.detail());
      assertEquals("dns_recursion", uncached.probe());
      // dnsmasq keeps waiting for its dead upstream and never answers.
      assertEquals("DNS recursion failing (no answer within 2s)", uncached.reason());
      assertTrue(
          uncached
              .detail()
              .matches("127\\.0\\.0\\.1:\\d+ hr-[0-9a-f]{16}\\.example\\.org\\./A: .*"),
          uncached.detail());

      internet.restart();
      ProbeResult restored = recursion.run();

      assertTrue(
          restored.healthy(),
          "a failure is measured again at once, not after the interval: " + restored.detail());
    }
  }

  @Test
  void truncatedAnswerWithTcpRefusedFails() throws Exception {
    try (TruncatingDnsServer server = TruncatingDnsServer.withoutTcp()) {
      ProbeResult r = truncationProbe(server, true).run();

      assertFalse(r.healthy(), r.detail());
      assertEquals("DNS resolution failing (truncated answer, TCP retry failed)", r.reason());
    }
  }

  @Test
  void truncatedAnswerWithTcpAnsweringIsHealthy() throws Exception {
    try (TruncatingDnsServer server = TruncatingDnsServer.withTcp()) {
      ProbeResult r = truncationProbe(server, true).run();

      assertTrue(r.healthy(), r.detail());
    }
  }

  @Test
  void truncatedAnswerCountsAsAnAnswerWithoutTheTcpRetry() throws Exception {
    try (TruncatingDnsServer server = TruncatingDnsServer.withoutTcp()) {
      assertTrue(truncationProbe(server, false).run().healthy());
    }
  }

  private static Probe truncationProbe(TruncatingDnsServer server, boolean retryOverTcp) {
    return new DnsProbe(
        new DnsSettings(
            List.of(server.address()),
            List.of(DnsQuestion.parse("example.org/TXT")),
            Duration.ofSeconds(2),
            retryOverTcp));
  }
}
