package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.DnsQuestion;
import io.headroom.config.DnsRecursion;
import io.headroom.config.DnsSettings;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The verdict over fixed query outcomes; DnsProbeIT runs the same probe against a real dnsmasq. */
class DnsProbeTest {
  private static final InetSocketAddress FIRST =
      InetSocketAddress.createUnresolved("192.0.2.1", 53);
  private static final InetSocketAddress SECOND =
      InetSocketAddress.createUnresolved("192.0.2.2", 53);
  private static final Duration TIMEOUT = Duration.ofMillis(200);
  private static final RandomGenerator FIXED_RANDOM = () -> 0xabcL;

  /** Answers each (resolver, name) with a fixed outcome; a missing entry never answers. */
  private static final class FixedClient implements DnsClient {
    private final Map<String, CompletableFuture<Integer>> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Integer> askedTypes = new ConcurrentHashMap<>();

    FixedClient answer(InetSocketAddress resolver, String name, int rcode) {
      outcomes.put(key(resolver, name), CompletableFuture.completedFuture(rcode));
      return this;
    }

    FixedClient error(InetSocketAddress resolver, String name, Exception e) {
      outcomes.put(key(resolver, name), CompletableFuture.failedFuture(e));
      return this;
    }

    @Override
    public CompletionStage<Integer> query(
        InetSocketAddress resolver, Name name, int type, Duration timeout) {
      askedTypes.put(name.toString(), type);
      return outcomes.getOrDefault(key(resolver, name.toString()), new CompletableFuture<>());
    }

    private static String key(InetSocketAddress resolver, String name) {
      return resolver.getHostString() + " " + name;
    }
  }

  private static ProbeResult run(
      FixedClient client, List<InetSocketAddress> resolvers, String... names) throws Exception {
    return new DnsProbe(
            Check.DNS,
            "dns",
            () -> resolvers,
            Stream.of(names).map(DnsQuestion::parse).toList(),
            TIMEOUT,
            client,
            FIXED_RANDOM,
            false)
        .run();
  }

  @Test
  void answerPassesAndAsksTheRootForNs() throws Exception {
    FixedClient client =
        new FixedClient()
            .answer(FIRST, ".", Rcode.NOERROR)
            .answer(FIRST, "example.com.", Rcode.NOERROR);

    ProbeResult r = run(client, List.of(FIRST), ".", "example.com");

    assertTrue(r.healthy(), r.detail());
    assertEquals(Check.DNS, r.check());
    assertEquals("dns", r.probe());
    assertEquals("answer within 200ms", r.limit());
    assertTrue(r.value() >= 0 && r.value() < 1, "seconds: " + r.value());
    assertEquals(Type.NS, client.askedTypes.get("."));
    assertEquals(Type.A, client.askedTypes.get("example.com."));
  }

  @Test
  void nxdomainIsAnAnswer() throws Exception {
    FixedClient client = new FixedClient().answer(FIRST, "nonexistent.invalid.", Rcode.NXDOMAIN);

    assertTrue(run(client, List.of(FIRST), "nonexistent.invalid").healthy());
  }

  @Test
  void servfailFails() throws Exception {
    FixedClient client = new FixedClient().answer(FIRST, ".", Rcode.SERVFAIL);

    ProbeResult r = run(client, List.of(FIRST), ".");

    assertFalse(r.healthy());
    assertEquals("DNS resolution failing (SERVFAIL)", r.reason());
    assertEquals("SERVFAIL", r.measured());
    assertTrue(
        r.detail().matches("192\\.0\\.2\\.1:53 \\./NS: SERVFAIL in \\d+\\.\\d{3}s"), r.detail());
    assertTrue(Double.isNaN(r.value()));
  }

  @Test
  void refusedFails() throws Exception {
    FixedClient client = new FixedClient().answer(FIRST, ".", Rcode.REFUSED);

    assertEquals("DNS resolution failing (REFUSED)", run(client, List.of(FIRST), ".").reason());
  }

  @Test
  void silenceFailsAtTheProbesOwnDeadline() throws Exception {
    long start = System.nanoTime();

    ProbeResult r = run(new FixedClient(), List.of(FIRST, SECOND), ".");

    double seconds = (System.nanoTime() - start) / 1e9;
    assertFalse(r.healthy());
    assertEquals("DNS resolution failing (no answer within 200ms)", r.reason());
    // Both resolvers are waited for together: one timeout, not two.
    assertTrue(seconds >= 0.19 && seconds < 0.39, "took " + seconds + "s");
  }

  @Test
  void clientTimeoutIsNoAnswer() throws Exception {
    FixedClient client =
        new FixedClient().error(FIRST, ".", new SocketTimeoutException("Query timed out"));

    assertEquals(
        "DNS resolution failing (no answer within 200ms)",
        run(client, List.of(FIRST), ".").reason());
  }

  @Test
  void closedPortIsUnreachable() throws Exception {
    FixedClient client = new FixedClient().error(FIRST, ".", new PortUnreachableException());

    ProbeResult r = run(client, List.of(FIRST), ".");

    assertEquals("DNS resolution failing (resolver unreachable)", r.reason());
    assertTrue(r.detail().contains("PortUnreachableException"), r.detail());
  }

  @Test
  void oneResolverAnsweringEverythingIsEnough() throws Exception {
    FixedClient client =
        new FixedClient()
            .answer(FIRST, ".", Rcode.SERVFAIL)
            .answer(SECOND, ".", Rcode.NOERROR)
            .answer(SECOND, "example.com.", Rcode.NXDOMAIN);

    assertTrue(run(client, List.of(FIRST, SECOND), ".", "example.com").healthy());
  }

  @Test
  void answersSplitAcrossResolversAreNotEnoughAndTheFirstFailureIsNamed() throws Exception {
    FixedClient client =
        new FixedClient()
            .answer(FIRST, ".", Rcode.NOERROR)
            .answer(FIRST, "example.com.", Rcode.REFUSED)
            .answer(SECOND, ".", Rcode.SERVFAIL)
            .answer(SECOND, "example.com.", Rcode.NOERROR);

    ProbeResult r = run(client, List.of(FIRST, SECOND), ".", "example.com");

    assertFalse(r.healthy());
    assertEquals("DNS resolution failing (REFUSED)", r.reason());
    assertFalse(Double.isNaN(r.value()), "the slowest of the queries that were answered");
  }

  @Test
  void noResolverFails() throws Exception {
    ProbeResult r = run(new FixedClient(), List.of(), ".");

    assertFalse(r.healthy());
    assertEquals("DNS resolution failing (no resolver configured)", r.reason());
  }

  @Test
  void reasonNamesNoAddress() throws Exception {
    FixedClient client = new FixedClient().error(FIRST, ".", new java.io.IOException("boom"));

    ProbeResult r = run(client, List.of(FIRST), ".");

    assertEquals("DNS resolution failing (network error)", r.reason());
    assertTrue(
        r.detail().startsWith("192.0.2.1:53 ./NS: java.io.IOException: boom in "), r.detail());
  }

  @Test
  void randomLabelIsAskedAndItsNxdomainPasses() throws Exception {
    FixedClient client =
        new FixedClient().answer(FIRST, "hr-0000000000000abc.example.org.", Rcode.NXDOMAIN);

    ProbeResult r = run(client, List.of(FIRST), "*.example.org");

    assertTrue(r.healthy(), r.detail());
    assertEquals(Type.A, client.askedTypes.get("hr-0000000000000abc.example.org."));
    assertTrue(
        r.detail().startsWith("192.0.2.1:53 hr-0000000000000abc.example.org./A: NXDOMAIN in "),
        r.detail());
  }

  @Test
  void recordTypeIsAskedFor() throws Exception {
    FixedClient client = new FixedClient().answer(FIRST, "example.org.", Rcode.NOERROR);

    assertTrue(run(client, List.of(FIRST), "example.org/TXT").healthy());
    assertEquals(Type.TXT, client.askedTypes.get("example.org."));
  }

  @Test
  void failedTcpRetryOfATruncatedAnswerFails() throws Exception {
    FixedClient client =
        new FixedClient()
            .error(
                FIRST,
                "example.org.",
                new SimpleResolverDnsClient.TcpRetryFailedException(
                    new java.net.ConnectException("Connection refused")));

    ProbeResult r = run(client, List.of(FIRST), "example.org/TXT");

    assertFalse(r.healthy());
    assertEquals("DNS resolution failing (truncated answer, TCP retry failed)", r.reason());
    assertTrue(
        r.detail()
            .startsWith(
                "192.0.2.1:53 example.org./TXT: io.headroom.probe.SimpleResolverDnsClient$TcpRetryFailedException:"
                    + " truncated over UDP, TCP retry failed: java.net.ConnectException: Connection refused in "),
        r.detail());
  }

  private static ProbeResult recursion(FixedClient client, String name) throws Exception {
    AtomicLong labels = new AtomicLong();
    return new DnsProbe(
            Check.DNS_RECURSION,
            "dns_recursion",
            () -> List.of(FIRST),
            List.of(DnsQuestion.parse(name)),
            TIMEOUT,
            client,
            labels::incrementAndGet,
            true)
        .run();
  }

  @Test
  void recursionAsksASilentQuestionAgainWithAFreshLabelAndTheSecondAnswerCounts() throws Exception {
    FixedClient client =
        new FixedClient().answer(FIRST, "hr-0000000000000002.example.org.", Rcode.NXDOMAIN);

    ProbeResult r = recursion(client, "*.example.org");

    assertTrue(r.healthy(), r.detail());
    assertEquals(Check.DNS_RECURSION, r.check());
    assertEquals(
        List.of("hr-0000000000000001.example.org.", "hr-0000000000000002.example.org."),
        client.askedTypes.keySet().stream().sorted().toList());
  }

  @Test
  void recursionFailsWhenNeitherQueryIsAnsweredAndNamesItsCheck() throws Exception {
    ProbeResult r = recursion(new FixedClient(), "*.example.org");

    assertFalse(r.healthy());
    assertEquals("DNS recursion failing (no answer within 200ms)", r.reason());
  }

  @Test
  void recursionTakesAQuickRefusalAsItIsWithoutAskingAgain() throws Exception {
    FixedClient client =
        new FixedClient().answer(FIRST, "hr-0000000000000001.example.org.", Rcode.REFUSED);

    ProbeResult r = recursion(client, "*.example.org");

    assertEquals("DNS recursion failing (REFUSED)", r.reason());
    assertEquals(
        List.of("hr-0000000000000001.example.org."), List.copyOf(client.askedTypes.keySet()));
  }

  @Test
  void onlyTheRecursionProbeConfirmsItsOwnFailures() throws Exception {
    DnsSettings settings =
        new DnsSettings(List.of(FIRST), List.of(DnsQuestion.parse(".")), TIMEOUT);

    assertFalse(new DnsProbe(settings).confirmsItself());
    assertTrue(
        DnsProbe.recursion(
                settings,
                new DnsRecursion(
                    List.of(DnsQuestion.parse("*.example.org")), Duration.ofSeconds(30)))
            .confirmsItself());
  }
}
