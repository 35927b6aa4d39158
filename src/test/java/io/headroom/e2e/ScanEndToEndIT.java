package io.headroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.Clamd;
import io.headroom.support.Dnsmasq;
import io.headroom.support.HeadroomProcess;
import io.headroom.support.PostfixInstance;
import io.headroom.support.Running;
import io.headroom.support.SmtpClient;
import io.headroom.support.SmtpClient.Transcript;
import io.headroom.support.Spamd;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Content scanning as a sender meets it: a real Postfix, the daemon from the jar, a real clamd with
 * a signature database built from EICAR, and spamd in local mode; exact SMTP replies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScanEndToEndIT {
  private static final String SCAN_TIMEOUT = "3s";

  @TempDir Path dir;
  private Clamd clamd;
  private Spamd spamd;
  private Dnsmasq dns;
  @RegisterExtension final Running running = new Running();

  @BeforeAll
  void startScanners() throws Exception {
    Path servers = Files.createTempDirectory("headroom-scanners");
    clamd = Clamd.start(servers.resolve("clamd"));
    spamd = Spamd.start(servers.resolve("spamd"));
    dns = Dnsmasq.start();
  }

  @AfterAll
  void stopScanners() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {dns, spamd, clamd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @AfterEach
  void restartClamd() throws Exception {
    if (!clamd.isRunning()) {
      clamd.restart();
    }
  }

  private PostfixInstance start(List<String> jvm, String... extra) throws Exception {
    return start(jvm, b -> b, extra);
  }

  private PostfixInstance start(
      List<String> jvm, UnaryOperator<PostfixInstance.Builder> postfix, String... extra)
      throws Exception {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "scanners = clamd:tcp:127.0.0.1:"
                    + clamd.tcpPort()
                    + ", spamd:tcp:127.0.0.1:"
                    + spamd.port(),
                "scan_timeout = " + SCAN_TIMEOUT,
                "probe_interval = 500ms",
                "dns_resolvers = 127.0.0.1:" + dns.port(),
                "disk_paths = " + dir.toAbsolutePath(),
                "cpu_max_load_per_core = 1000"));
    lines.addAll(List.of(extra));
    HeadroomProcess daemon =
        HeadroomProcess.start(dir.resolve("daemon"), jvm, lines.toArray(String[]::new));
    running.keep(daemon);
    this.daemon = daemon;
    Path checks = dir.resolve("milter_header_checks");
    // Makes the header the milter adds visible in the maillog, since the test transport discards
    // mail.
    Files.writeString(checks, "/^X-Spam-Status: (.*)/ WARN spam status $1\n");
    PostfixInstance instance =
        postfix
            .apply(
                PostfixInstance.builder(dir)
                    .smtpdMilters(daemon.milterAddress())
                    .set("milter_header_checks", "regexp:" + checks)
                    .set("message_size_limit", "104857600"))
            .start();
    running.keep(instance);
    return instance;
  }

  private HeadroomProcess daemon;

  private static byte[] message(String subject, String body) {
    return ("From: a@example.test\r\nTo: b@example.test\r\nSubject: "
            + subject
            + "\r\n"
            + "Message-ID: <"
            + System.nanoTime()
            + "@example.test>\r\n\r\n"
            + body
            + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static Transcript send(PostfixInstance postfix, byte[] message) {
    return SmtpClient.send(postfix.smtpPort(), "a@example.test", "b@example.test", message);
  }

  /**
   * A relay reuses its connection for minutes, so a session may span a reload. Its later messages
   * are still scanned: the replaced scan service once closed twice scan_timeout after the reload,
   * and every later message of such a session got "Mail filter internal error".
   */
  @Test
  void aSessionOpenAcrossAReloadIsStillScanned() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"));
    try (SmtpClient c = SmtpClient.connect(postfix.smtpPort())) {
      c.greeting();
      c.ehlo(SmtpClient.CLIENT_NAME);
      assertTrue(transaction(c, message("before", "Sent before the reload.")).startsWith("250 "));

      daemon.signal("HUP");
      daemon.awaitLog("reloaded " + daemon.config(), Duration.ofSeconds(20));
      Thread.sleep(8_000); // past twice scan_timeout (3s)
      String after = transaction(c, message("after", "Sent after the reload."));
      assertTrue(after.startsWith("250 2.0.0 Ok: queued as "), after);
      String eicar = transaction(c, eicarMail());
      assertTrue(eicar.startsWith("550 5.7.1 "), eicar);
    }
    assertEquals(2.0, daemon.metric("headroom_scans_total{result=\"clean\",scanner=\"clamd\"}"));
    assertEquals(1.0, daemon.metric("headroom_scans_total{result=\"infected\",scanner=\"clamd\"}"));
  }

  /** MAIL, RCPT, DATA and the message on an open session; the reply to the message. */
  private static String transaction(SmtpClient c, byte[] message) {
    assertEquals(250, c.mailFrom("a@example.test").code());
    assertEquals(250, c.rcptTo("b@example.test").code());
    assertEquals(354, c.data().code());
    return c.message(message).text();
  }

  @Test
  void cleanMailIsAcceptedAndTaggedWithTheSpamScore() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"));
    Transcript t = send(postfix, message("hello", "Just a plain note."));
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());
    postfix.awaitLogLine(
        "warning: .*spam status No, score=-?\\d+\\.\\d required=5\\.0", Duration.ofSeconds(10));
    assertEquals(1.0, daemon.metric("headroom_scans_total{result=\"clean\",scanner=\"clamd\"}"));
  }

  /**
   * A spammer writes its own verdict: {@code X-Spam-Status: No, score=-5.0} would stand ahead of
   * ours, and a rule that reads the first (procmail, Sieve, a downstream filter) would believe it.
   * The recipient gets exactly one X-Spam-Status, ours: each one the message came with is deleted,
   * whatever the case of its name.
   */
  @Test
  void aForgedSpamStatusIsReplacedSoOnlyOursIsDelivered() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"), PostfixInstance.Builder::keepDelivered);
    byte[] forged =
        ("X-Spam-Status: No, score=-5.0 required=5.0\r\n"
                + "x-spam-status: No, score=-3.0\r\n"
                + new String(message("hello", "Just a plain note."), StandardCharsets.US_ASCII))
            .getBytes(StandardCharsets.US_ASCII);
    Transcript t = send(postfix, forged);
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());

    String delivered = postfix.awaitDelivered(1, Duration.ofSeconds(20)).get(0);
    String header = delivered.substring(0, delivered.indexOf("\n\n"));
    List<String> statuses =
        header.lines().filter(l -> l.regionMatches(true, 0, "X-Spam-Status:", 0, 14)).toList();
    assertEquals(1, statuses.size(), "X-Spam-Status headers delivered:\n" + header);
    assertMatches("X-Spam-Status: No, score=-?\\d+\\.\\d required=5\\.0", statuses.get(0));
    assertTrue(header.contains("\nSubject: hello\n"), header);
  }

  /**
   * Postfix's cleanup(8) panics past about 10,000 header deletions in one message (here at 27,000
   * forged headers, a message still under spamd_max_size): one with more than the milter replaces
   * is rejected, and Postfix is asked for no deletion at all.
   */
  @Test
  void moreForgedSpamStatusHeadersThanCanBeReplacedAreRejected() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"));
    String forged = "X-Spam-Status: No, score=-5.0 required=5.0\r\n".repeat(101);
    Transcript t =
        send(
            postfix,
            (forged + new String(message("hello", "Just a plain note."), StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII));
    assertEquals(
        "550 5.7.1 Message has too many X-Spam-Status headers (101, limit 100), rejected",
        t.message());
    assertFalse(postfix.maillog().contains("panic"), postfix.maillog());
  }

  @Test
  void malwareIsRejectedNamingTheSignature() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"));
    Transcript t = send(postfix, eicarMail());
    assertEquals(
        "550 5.7.1 Message contains malware (" + Clamd.SIGNATURE + "), rejected", t.message());
    assertEquals(1.0, daemon.metric("headroom_messages_total{action=\"rejected\"}"));
  }

  /**
   * A header in raw Latin-1 reaches clamd byte for byte. jmilter decodes header packets as UTF-8,
   * and its replacement characters hid such a header from a signature on its bytes.
   */
  @Test
  void aRaw8bitHeaderIsScannedAsItsBytes() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"));
    ByteArrayOutputStream mail = new ByteArrayOutputStream();
    mail.writeBytes(
        "From: a@example.test\r\nTo: b@example.test\r\nSubject: "
            .getBytes(StandardCharsets.US_ASCII));
    mail.writeBytes(Clamd.RAW_8BIT_HEADER_TEXT);
    mail.writeBytes("\r\n\r\nJust a plain note.\r\n".getBytes(StandardCharsets.US_ASCII));
    Transcript t = send(postfix, mail.toByteArray());
    assertEquals(
        "550 5.7.1 Message contains malware (" + Clamd.RAW_8BIT_SIGNATURE + "), rejected",
        t.message());
  }

  @Test
  void quarantinedMalwareGoesToPostfixsHoldQueue() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"), "malware_action = quarantine");
    Transcript t = send(postfix, eicarMail());
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());
    String queueId = t.queueId().orElseThrow();
    postfix.awaitLogLine(
        queueId
            + ": milter-hold: END-OF-MESSAGE from unknown\\[127\\.0\\.0\\.1\\]: "
            + "milter triggers HOLD action",
        Duration.ofSeconds(10));
    assertTrue(
        Files.exists(postfix.queueDirectory().resolve("hold").resolve(queueId)),
        "in the hold queue");
    daemon.awaitLog(
        "WARN .*quarantined message from unknown\\[127\\.0\\.0\\.1\\]: .*"
            + Pattern.quote(Clamd.SIGNATURE),
        Duration.ofSeconds(5));
    assertEquals(1.0, daemon.metric("headroom_messages_total{action=\"quarantined\"}"));
  }

  @Test
  void monitorModeAcceptsWhatScanningWouldHaveRefusedAndCountsIt() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"), "scan_mode = monitor");
    Transcript t = send(postfix, eicarMail());
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());
    assertEquals(
        1.0, daemon.metric("headroom_monitor_deferrals_total{check=\"scan\",stage=\"data\"}"));
    daemon.awaitLog(
        "WARN .*would get REJECT from scanning \\(monitor mode\\): .*infected",
        Duration.ofSeconds(5));
  }

  private static byte[] eicarMail() {
    String attachment =
        Base64.getEncoder().encodeToString(Clamd.EICAR.getBytes(StandardCharsets.US_ASCII));
    return ("From: mallory@example.test\r\nTo: b@example.test\r\nSubject: invoice\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: text/plain\r\n\r\nplease see attached\r\n"
            + "--b1\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Disposition: attachment; filename=\"invoice.com\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n"
            + attachment
            + "\r\n--b1--\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void spamAboveTheRejectScoreIsRejected() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"));
    Transcript t = send(postfix, message("offer", Spamd.GTUBE));
    assertMatches(
        "550 5\\.7\\.1 Message looks like spam \\(score \\d+\\.\\d, limit 15\\.0\\), rejected",
        t.message());
  }

  @Test
  void hungClamdDefersWithinTheScanTimeout() throws Exception {
    PostfixInstance postfix = start(List.of("-Xmx256m"));
    assertTrue(send(postfix, message("warm-up", "x")).message().startsWith("250 "));
    clamd.pause();
    try {
      SmtpClient c = SmtpClient.connect(postfix.smtpPort());
      c.greeting();
      c.ehlo("client.example.test");
      c.mailFrom("a@example.test");
      assertEquals(250, c.rcptTo("b@example.test").code(), "the gate has not noticed yet");
      c.data();
      long start = System.nanoTime();
      String reply = c.message(message("while hung", "x")).text();
      long ms = (System.nanoTime() - start) / 1_000_000;
      c.close();
      assertEquals(
          "451 4.3.0 Virus scanner clamd did not answer within 3s, message not accepted unscanned, "
              + "try again later",
          reply);
      assertTrue(ms < 3000 + 1500, "answered after " + ms + "ms");
    } finally {
      clamd.resume();
    }
  }

  @Test
  void clamdDownIsDeferredByTheGateAndRecoversWhenItReturns() throws Exception {
    // Three passes to recover: the confirmation lasts two quarter intervals, time for several
    // messages to arrive while the check has passed but not yet recovered.
    PostfixInstance postfix = start(List.of("-Xmx256m"), "recover_after = 3");
    clamd.stop();
    daemon.awaitLog("check scan \\(clamd\\) now failing", Duration.ofSeconds(15));
    Transcript down = send(postfix, message("while down", "x"));
    assertEquals("451 4.3.0 Virus scanner clamd unreachable, try again later", down.rcpt());
    assertEquals(1.0, daemon.metric("headroom_deferrals_total{check=\"scan\",stage=\"rcpt\"}"));

    clamd.restart();
    // Mail keeps coming while recover_after confirms the recovery: a check that has passed, but not
    // yet often enough, still defers and says why, as before.
    List<String> whileRecovering = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Transcript up = send(postfix, message("after restart", "x"));
    while (!"250 2.1.5 Ok".equals(up.rcpt()) && System.nanoTime() < deadline) {
      whileRecovering.add(up.rcpt());
      up = send(postfix, message("after restart", "x"));
    }
    assertTrue(up.message().startsWith("250 2.0.0 Ok: queued as "), up.message());
    for (String rcpt : whileRecovering) {
      assertEquals("451 4.3.0 Virus scanner clamd unreachable, try again later", rcpt);
    }
    assertFalse(daemon.log().contains("internal error"), daemon.log());
  }

  @Test
  void largeMessageScansWithABoundedHeap() throws Exception {
    // 40 MiB through a daemon whose heap is 32 MiB: holding the message would not fit.
    PostfixInstance postfix =
        start(
            List.of("-Xmx32m", "-XX:MaxDirectMemorySize=16m"),
            "scan_max_size = 100M",
            "scan_timeout_per_mib = 1s");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String line =
        "The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz\r\n";
    while (body.size() < 40 << 20) {
      body.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
    }
    long start = System.nanoTime();
    // Postfix answers the final dot only after the whole scan: allow for a loaded build machine.
    Transcript t =
        SmtpClient.send(
            postfix.smtpPort(),
            "a@example.test",
            "b@example.test",
            message("big", body.toString(StandardCharsets.US_ASCII)),
            Duration.ofMinutes(3));
    System.out.printf(
        "40 MiB message through Postfix and both scanners: %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.message());
    assertEquals(1.0, daemon.metric("headroom_scans_total{result=\"clean\",scanner=\"clamd\"}"));
  }

  private static void assertMatches(String regex, String actual) {
    assertTrue(
        Pattern.compile(regex).matcher(actual == null ? "" : actual).matches(),
        "expected /" + regex + "/ but was: " + actual);
  }
}
