package io.headroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.HeadroomProcess;
import io.headroom.support.PolicyServer;
import io.headroom.support.Ports;
import io.headroom.support.PostfixInstance;
import io.headroom.support.Postgres;
import io.headroom.support.Processes;
import io.headroom.support.Running;
import io.headroom.support.Slapd;
import io.headroom.support.SmtpClient;
import io.headroom.support.SmtpClient.Transcript;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookup and policy checks as an admin meets them: a real Postfix whose recipients are in a
 * real slapd ({@code virtual_mailbox_maps = ldap:}), with a second table on a real PostgreSQL
 * ({@code smtpd_sender_login_maps = pgsql:}) and {@code check_policy_service} on a policy server;
 * the daemon, with {@code lookup_tables = auto} and {@code policy_services = auto}, finds all three
 * through that instance's {@code postconf} and answers their outage at MAIL, before Postfix's own
 * "Temporary lookup failure" at RCPT.
 */
@Timeout(300)
class LookupEndToEndIT {
  private static final String SENDER = "sender@example.test";
  private static final String RECIPIENT = "alice@example.org";
  private static final byte[] MESSAGE =
      ("From: " + SENDER + "\r\nTo: " + RECIPIENT + "\r\nSubject: hello\r\n\r\nHello.\r\n")
          .getBytes(StandardCharsets.US_ASCII);
  private static final Duration INTERVAL = Duration.ofSeconds(4);
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final Duration SLACK = Duration.ofSeconds(1);

  @TempDir Path dir;
  @RegisterExtension final Running running = new Running();

  @Test
  void eachBackendsOutageIsAnsweredAtMailWithItsKindAndItsReturnWith250() throws Exception {
    Slapd slapd = running.keep(Slapd.start(dir.resolve("slapd"), List.of(RECIPIENT)));
    Path ldapTable = slapd.writePostfixTable(dir.resolve("ldap-recipients.cf"));
    Postgres postgres = running.keep(Postgres.start(dir.resolve("pg")));
    postgres.sql("CREATE TABLE logins (address text PRIMARY KEY, login text)");
    Path pgsqlTable =
        postgres.writePostfixTable(
            dir.resolve("pgsql-logins.cf"), "SELECT login FROM logins WHERE address = '%s'");
    PolicyServer policy = running.keep(PolicyServer.start());
    int milterPort = Ports.freeTcpPort();
    // Postfix first: the daemon reads its configuration at start. Until then the milter is missing
    // and nothing is sent.
    PostfixInstance postfix =
        running.keep(
            PostfixInstance.builder(dir.resolve("postfix"))
                .smtpdMilters("inet:127.0.0.1:" + milterPort)
                .set("virtual_mailbox_domains", "example.org")
                .set("virtual_mailbox_maps", "proxy:ldap:" + ldapTable)
                .set("virtual_transport", "discard:")
                .set("smtpd_sender_login_maps", "pgsql:" + pgsqlTable)
                .set(
                    "smtpd_recipient_restrictions",
                    "check_policy_service "
                        + policy.endpoint()
                        + ", permit_mynetworks, reject_unauth_destination")
                .start());
    HeadroomProcess daemon =
        running.keep(
            HeadroomProcess.start(
                dir.resolve("daemon"),
                "listen = inet:127.0.0.1:" + milterPort,
                "postfix_config_directory = " + postfix.configDirectory(),
                "lookup_probe_interval = " + INTERVAL.toSeconds() + "s",
                "lookup_timeout = " + TIMEOUT.toSeconds() + "s",
                "probe_interval = 300ms",
                "fail_after = 1",
                "recover_after = 1",
                "dns_mode = off",
                "disk_paths = " + dir.toAbsolutePath(),
                "cpu_max_load_per_core = 1000"));

    assertAccepted(send(postfix));
    String ldap = "ldap:" + ldapTable;
    String pgsql = "pgsql:" + pgsqlTable;
    assertEquals(1.0, daemon.metric("headroom_lookup_table_up{table=\"" + ldap + "\"}"));
    assertEquals(1.0, daemon.metric("headroom_lookup_table_up{table=\"" + pgsql + "\"}"));
    assertEquals(
        1.0, daemon.metric("headroom_policy_service_up{service=\"" + policy.endpoint() + "\"}"));
    assertEquals(1.0, daemon.metric("headroom_check_up{check=\"lookup\"}"));

    // slapd stopped: Postfix alone would say "Temporary lookup failure" at RCPT; the milter speaks
    // first, at MAIL, naming the kind of backend.
    slapd.stop();
    long stopped = System.nanoTime();
    Transcript down =
        awaitMailReply(postfix, r -> r.startsWith("451 4.3.0 Recipient"), INTERVAL.plus(SLACK));
    assertEquals("451 4.3.0 Recipient directory (LDAP) unavailable, try again later", down.mail());
    assertEquals(
        null,
        down.rcpt(),
        "deferred at MAIL: RCPT, where Postfix looks the recipient up, never came");
    postfix.awaitLogLine(
        "milter-reject: MAIL from unknown\\[127\\.0\\.0\\.1\\]: 451 4\\.3\\.0 Recipient directory"
            + " \\(LDAP\\) unavailable, try again later",
        Duration.ofSeconds(10));
    System.out.printf("LDAP outage answered after %.1fs%n", (System.nanoTime() - stopped) / 1e9);
    assertEquals(0.0, daemon.metric("headroom_lookup_table_up{table=\"" + ldap + "\"}"));
    assertEquals(1.0, daemon.metric("headroom_lookup_table_up{table=\"" + pgsql + "\"}"));
    assertEquals(
        1.0, daemon.metric("headroom_deferrals_total{check=\"lookup\",stage=\"mail\"}"), 0.0);
    daemon.awaitLog(
        "WARN .*check lookup \\(lookup:" + Pattern.quote(ldap) + "\\) now failing",
        Duration.ofSeconds(5));
    assertTrue(
        daemon.log().contains("Can't contact LDAP server"), "the log says what postmap said");
    slapd.restart();
    assertAccepted(awaitMailReply(postfix, r -> r.startsWith("250"), INTERVAL.plus(SLACK)));

    // PostgreSQL SIGSTOPped: it accepts and never answers; postmap is killed at lookup_timeout.
    postgres.pause();
    long paused = System.nanoTime();
    Transcript hung =
        awaitMailReply(postfix, r -> r.startsWith("451"), TIMEOUT.plus(INTERVAL).plus(SLACK));
    assertEquals(
        "451 4.3.0 Sender directory (PostgreSQL) unavailable, try again later", hung.mail());
    System.out.printf("PostgreSQL hang answered after %.1fs%n", (System.nanoTime() - paused) / 1e9);
    daemon.awaitLog(
        "lookup:" + Pattern.quote(pgsql) + ".*no answer within 3s, killed", Duration.ofSeconds(5));
    assertEachPostmapKilledAtItsDeadline(pgsqlTable);
    postgres.resume();
    assertAccepted(
        awaitMailReply(postfix, r -> r.startsWith("250"), TIMEOUT.plus(INTERVAL).plus(SLACK)));

    policy.stop();
    Transcript refused = awaitMailReply(postfix, r -> r.startsWith("451"), INTERVAL.plus(SLACK));
    assertEquals("451 4.3.0 Policy service unavailable, try again later", refused.mail());
    assertEquals(
        0.0, daemon.metric("headroom_policy_service_up{service=\"" + policy.endpoint() + "\"}"));
    policy.restart();
    assertAccepted(awaitMailReply(postfix, r -> r.startsWith("250"), INTERVAL.plus(SLACK)));
  }

  private static Transcript send(PostfixInstance postfix) {
    return SmtpClient.send(postfix.smtpPort(), SENDER, RECIPIENT, MESSAGE, Duration.ofSeconds(20));
  }

  private static void assertAccepted(Transcript t) {
    assertEquals("250 2.1.0 Ok", t.mail());
    assertEquals("250 2.1.5 Ok", t.rcpt());
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());
  }

  /** Sends until the reply to MAIL matches; fails when that takes longer than {@code within}. */
  private static Transcript awaitMailReply(
      PostfixInstance postfix, Predicate<String> wanted, Duration within)
      throws InterruptedException {
    long start = System.nanoTime();
    long end = start + within.toNanos();
    Transcript t;
    do {
      t = send(postfix);
      if (wanted.test(t.mail())) {
        return t;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < end);
    throw new AssertionError(
        "MAIL still answered \""
            + t.mail()
            + "\" (RCPT \""
            + t.rcpt()
            + "\") after "
            + (System.nanoTime() - start) / 1_000_000
            + "ms, allowed "
            + within.toMillis()
            + "ms");
  }

  /**
   * A failing table is probed again at every round, so while the server hangs there is usually a
   * postmap waiting on it: each one seen must be gone once its deadline (and the kill) has passed.
   */
  private static void assertEachPostmapKilledAtItsDeadline(Path table) throws Exception {
    List<Long> seen = List.of();
    for (int i = 0; i < 50 && seen.isEmpty(); i++) {
      seen = Processes.runningWith(table.toString());
      Thread.sleep(100);
    }
    assertFalse(seen.isEmpty(), "no postmap on the hung table was seen");
    Thread.sleep(TIMEOUT.plus(SLACK).toMillis());
    List<Long> left =
        Processes.runningWith(table.toString()).stream().filter(seen::contains).toList();
    assertEquals(
        List.of(), left, "postmap left behind after lookup_timeout (pids seen: " + seen + ")");
  }
}
