package io.headroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.Dnsmasq;
import io.headroom.support.HeadroomProcess;
import io.headroom.support.PostfixInstance;
import io.headroom.support.Running;
import io.headroom.support.SmtpClient;
import io.headroom.support.SmtpClient.Transcript;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health gate as an admin meets it: a real Postfix with smtpd_milters pointing at the daemon
 * (started from the jar), a loopback dnsmasq as its only resolver, and an SMTP client reading the
 * exact replies.
 */
class GateEndToEndIT {
  private static final byte[] MESSAGE =
      "From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\n\r\nHello.\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  @RegisterExtension final Running running = new Running();

  /** The daemon, probing quickly, with DNS at {@code dns} and the given extra config lines. */
  private HeadroomProcess daemon(Dnsmasq dns, String... extra) {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "probe_interval = 300ms",
                "dns_resolvers = 127.0.0.1:" + dns.port(),
                "dns_timeout = 1s",
                "disk_paths = " + dir.toAbsolutePath(),
                // The build machine's own load is not what these tests are about.
                "cpu_max_load_per_core = 1000"));
    lines.addAll(List.of(extra));
    return running.keep(HeadroomProcess.start(dir.resolve("daemon"), lines.toArray(String[]::new)));
  }

  private PostfixInstance postfix(HeadroomProcess daemon) {
    return running.keep(PostfixInstance.builder(dir).smtpdMilters(daemon.milterAddress()).start());
  }

  private static Transcript send(PostfixInstance postfix) {
    return SmtpClient.send(postfix.smtpPort(), "a@example.test", "b@example.test", MESSAGE);
  }

  @Test
  void healthyServerAcceptsMail() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns);
    PostfixInstance postfix = postfix(daemon);

    Transcript t = send(postfix);

    assertEquals("250 2.1.0 Ok", t.mail());
    assertEquals("250 2.1.5 Ok", t.rcpt());
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());
    assertEquals(200, daemon.get("/health").statusCode());
    assertEquals(1.0, daemon.metric("headroom_messages_total{action=\"accepted\"}"));
    assertEquals(1.0, daemon.metric("headroom_check_up{check=\"dns\"}"));
  }

  /**
   * The healthy gate accepts each message at its first RCPT, so Postfix sends it nothing more for
   * that message. Postfix must still take further recipients, RSET and later transactions of the
   * same session through the milter without a complaint.
   */
  @Test
  void severalTransactionsInOneSessionAreEachAcceptedAndCounted() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns);
    PostfixInstance postfix = postfix(daemon);

    try (SmtpClient c = SmtpClient.connect(postfix.smtpPort())) {
      c.greeting();
      assertEquals(250, c.ehlo(SmtpClient.CLIENT_NAME).code());
      assertEquals("250 2.1.0 Ok", c.mailFrom("a@example.test").text());
      assertEquals("250 2.1.5 Ok", c.rcptTo("b@example.test").text());
      assertEquals(
          "250 2.1.5 Ok", c.rcptTo("c@example.test").text(), "a second recipient after the accept");
      assertEquals(354, c.data().code());
      assertTrue(c.message(MESSAGE).text().startsWith("250 2.0.0 Ok: queued as "));
      assertEquals("250 2.1.0 Ok", c.mailFrom("a@example.test").text());
      assertEquals("250 2.1.5 Ok", c.rcptTo("b@example.test").text());
      assertEquals("250 2.0.0 Ok", c.rset().text());
      assertEquals("250 2.1.0 Ok", c.mailFrom("a@example.test").text());
      assertEquals("250 2.1.5 Ok", c.rcptTo("b@example.test").text());
      assertEquals(354, c.data().code());
      assertTrue(c.message(MESSAGE).text().startsWith("250 2.0.0 Ok: queued as "));
      assertEquals(221, c.quit().code());
    }

    // One per transaction at the gate's decision, the reset one included.
    assertEquals(3.0, daemon.metric("headroom_messages_total{action=\"accepted\"}"));
    String maillog = postfix.maillog();
    assertFalse(maillog.contains("milter"), "Postfix logged nothing about the milter:\n" + maillog);
  }

  @Test
  void diskBelowItsHeadroomDefersWithTheMeasuredValue() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns, "disk_min_free = 100%");
    PostfixInstance postfix = postfix(daemon);

    Transcript t = send(postfix);

    assertEquals("250 2.1.0 Ok", t.mail());
    assertMatches(
        "451 4\\.3\\.0 Mail spool disk nearly full \\(\\d+(\\.\\d)?% free, need 100%\\), try again later",
        t.rcpt());
    assertEquals(null, t.message(), "no message is sent after every recipient was deferred");
    postfix.awaitLogLine(
        "milter-reject: RCPT from unknown\\[127\\.0\\.0\\.1\\]: 451 4\\.3\\.0 Mail spool disk nearly full",
        Duration.ofSeconds(10));
    String warn =
        daemon.awaitLog(
            "WARN .*queue \\w+: deferred client unknown\\[127\\.0\\.0\\.1\\] at rcpt by check disk: "
                + "\"451 4\\.3\\.0 Mail spool disk nearly full \\(\\d+\\.\\d% free, need 100%\\), try again later\"; measured",
            Duration.ofSeconds(5));
    assertTrue(warn.contains(dir.toAbsolutePath().toString()), "the log names the path: " + warn);
    assertEquals(1.0, daemon.metric("headroom_deferrals_total{check=\"disk\",stage=\"rcpt\"}"));
    assertEquals(1.0, daemon.metric("headroom_messages_total{action=\"deferred\"}"));
    assertEquals(0.0, daemon.metric("headroom_check_up{check=\"disk\"}"));
    assertEquals(503, daemon.get("/health").statusCode());
    assertTrue(daemon.get("/health").body().contains("\"check\":\"disk\""));
  }

  /**
   * bypass_authenticated through a real Postfix. The milter names the macros it wants
   * (Negotiation.MACROS), {auth_authen} at MAIL among them, and Postfix must send it through that
   * list. Postfix's milter_macro_defaults stands in for a SASL login: smtpd has no value for the
   * macro without one, so Postfix sends the default, looked up through the same list.
   */
  @Test
  void anAuthenticatedClientPassesAFailingCheckWithBypassAuthenticated() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns, "disk_min_free = 100%", "bypass_authenticated = yes");
    PostfixInstance loggedIn =
        running.keep(
            PostfixInstance.builder(dir.resolve("logged-in"))
                .smtpdMilters(daemon.milterAddress())
                .set("milter_macro_defaults", "auth_authen=alice")
                .start());
    PostfixInstance anonymous =
        running.keep(
            PostfixInstance.builder(dir.resolve("anonymous"))
                .smtpdMilters(daemon.milterAddress())
                .start());

    assertEquals("250 2.1.5 Ok", send(loggedIn).rcpt());
    assertMatches("451 4\\.3\\.0 Mail spool disk nearly full .*", send(anonymous).rcpt());
    assertEquals(1.0, daemon.metric("headroom_messages_total{action=\"bypassed\"}"));
    assertEquals(1.0, daemon.metric("headroom_messages_total{action=\"deferred\"}"));
  }

  @Test
  void resolverDownDefersNamingDns() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns);
    PostfixInstance postfix = postfix(daemon);
    assertEquals("250 2.1.5 Ok", send(postfix).rcpt());

    dns.stop();
    daemon.awaitLog("check dns \\(dns\\) now failing", Duration.ofSeconds(10));
    Transcript t = send(postfix);

    assertEquals(
        "451 4.3.0 DNS resolution failing (resolver unreachable), try again later", t.rcpt());
    assertEquals(1.0, daemon.metric("headroom_deferrals_total{check=\"dns\",stage=\"rcpt\"}"));
    assertNotEquals("451 4.7.1 Service unavailable - try again later", t.rcpt());
  }

  /**
   * A relay's session may span a reload. Its later transactions are still answered from live
   * probes: the replaced monitor is closed, and its last snapshot once read as stalled, deferring
   * every later message of the session with "Health checks stalled".
   */
  @Test
  void aSessionOpenAcrossAReloadIsAnsweredFromTheLiveChecks() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns);
    PostfixInstance postfix = postfix(daemon);
    try (SmtpClient c = SmtpClient.connect(postfix.smtpPort())) {
      c.greeting();
      c.ehlo(SmtpClient.CLIENT_NAME);
      assertEquals("250 2.1.0 Ok", c.mailFrom("a@example.test").text());
      assertEquals("250 2.1.5 Ok", c.rcptTo("b@example.test").text());
      assertEquals("250 2.0.0 Ok", c.rset().text());

      daemon.signal("HUP");
      daemon.awaitLog("reloaded " + daemon.config(), Duration.ofSeconds(20));
      // Well past the replaced monitor's stall limit (3 intervals and the probe deadline).
      Thread.sleep(8_000);
      assertEquals("250 2.1.0 Ok", c.mailFrom("a@example.test").text());
      assertEquals("250 2.1.5 Ok", c.rcptTo("b@example.test").text());
      assertEquals("250 2.0.0 Ok", c.rset().text());

      dns.stop();
      daemon.awaitLog("check dns \\(dns\\) now failing", Duration.ofSeconds(10));
      assertEquals("250 2.1.0 Ok", c.mailFrom("a@example.test").text());
      assertEquals(
          "451 4.3.0 DNS resolution failing (resolver unreachable), try again later",
          c.rcptTo("b@example.test").text());
    }
    assertFalse(daemon.log().contains("stalled"), daemon.log());
  }

  @Test
  void monitorModeAcceptsAndCountsTheWouldBeDeferral() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns, "disk_min_free = 100%", "disk_mode = monitor");
    PostfixInstance postfix = postfix(daemon);

    Transcript t = send(postfix);

    assertEquals("250 2.1.5 Ok", t.rcpt());
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());
    assertEquals(
        1.0, daemon.metric("headroom_monitor_deferrals_total{check=\"disk\",stage=\"rcpt\"}"));
    assertEquals(
        0.0,
        daemon.metric("headroom_deferrals_total{check=\"disk\",stage=\"rcpt\"}"),
        "nothing was deferred (the counter is exported at 0 from the start)");
    daemon.awaitLog(
        "WARN .*would be deferred at rcpt by disk \\(monitor mode\\)", Duration.ofSeconds(5));
    assertEquals(
        200, daemon.get("/health").statusCode(), "monitor-mode failures do not make /health fail");
  }

  @Test
  void liveMetricsPassPromtool() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns, "disk_min_free = 100%");
    PostfixInstance postfix = postfix(daemon);
    send(postfix);

    String metrics = daemon.get("/metrics").body();
    for (String name :
        List.of(
            "headroom_deferrals_total",
            "headroom_messages_total",
            "headroom_check_up",
            "headroom_check_duration_seconds",
            "headroom_disk_free_ratio",
            "headroom_memory_available_ratio",
            "headroom_cpu_load_per_core",
            "headroom_milter_sessions_active",
            "jvm_memory_used_bytes",
            "process_cpu_usage")) {
      assertTrue(metrics.contains("\n" + name), name + " missing from /metrics");
    }
    Path scraped = dir.resolve("scraped.txt");
    Files.writeString(scraped, metrics);
    Process promtool =
        new ProcessBuilder("promtool", "check", "metrics")
            .redirectInput(scraped.toFile())
            .redirectErrorStream(true)
            .start();
    assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
    String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, promtool.exitValue(), out);
    assertEquals("", out.strip(), "promtool reports no lint problems");
  }

  @Test
  void sigtermExitsZero() throws Exception {
    Dnsmasq dns = running.keep(Dnsmasq.start());
    HeadroomProcess daemon = daemon(dns);
    assertEquals(0, daemon.stop(Duration.ofSeconds(40)));
    List<String> lines = daemon.log().lines().toList();
    assertTrue(lines.size() >= 2, daemon.log());
    // The last two lines an admin reads in the journal after systemctl stop.
    assertMatches(
        "\\S+ INFO  Daemon: stopping: no new sessions, waiting up to 30s for 0 in flight",
        lines.get(lines.size() - 2));
    assertMatches("\\S+ INFO  Daemon: stopped", lines.get(lines.size() - 1));
  }

  private static void assertMatches(String regex, String actual) {
    assertTrue(
        Pattern.compile(regex).matcher(actual == null ? "" : actual).matches(),
        "expected /" + regex + "/ but was: " + actual);
  }
}
