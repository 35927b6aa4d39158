package io.headroom.scan;

import static io.headroom.scan.Messages.assertOutcome;
import static io.headroom.scan.Messages.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.probe.ProbeResult;
import io.headroom.probe.ScannerPingProbe;
import io.headroom.scan.ScanOutcome.Action;
import io.headroom.support.Clamd;
import io.headroom.support.Ports;
import io.headroom.support.RecordingMetrics;
import io.headroom.support.Spamd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spamd client against a real spamd (started once for the class). */
class SpamdScanIT {

  private static final Duration STEP = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private static Spamd spamd;

  @TempDir Path spool;
  private final RecordingMetrics metrics = new RecordingMetrics();
  private final List<String> recorded = metrics.events();

  @BeforeAll
  static void startSpamd() throws Exception {
    spamd = Spamd.start(dir.resolve("spamd"));
  }

  @AfterAll
  static void stopSpamd() throws Exception {
    if (spamd != null) {
      spamd.stop();
    }
  }

  private static String live() {
    return "spamd:tcp:127.0.0.1:" + spamd.port();
  }

  private ScanService service(Duration timeout, double rejectScore, String... scanners) {
    return service(timeout, rejectScore, 1L << 30, scanners);
  }

  private ScanService service(
      Duration timeout, double rejectScore, long spamdMaxSize, String... scanners) {
    return Messages.service(
        Messages.settings(timeout, 1L << 30, spamdMaxSize, rejectScore, scanners), metrics, spool);
  }

  private static String gtubeBody() {
    return "This is the GTUBE, the Generic Test for Unsolicited Bulk Email\r\n\r\n"
        + Spamd.GTUBE
        + "\r\n";
  }

  @Test
  void gtubeIsRejectedAsSpam() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(30), 10.0, live())) {
      ScanOutcome outcome = Messages.scan(s.begin("s1"), Messages.HEADERS, gtubeBody(), STEP);
      assertOutcome(ScanResult.SPAM, outcome);
      assertTrue(outcome.verdicts().get(0).score() >= 1000, outcome.detail());
      assertEquals(5.0, outcome.verdicts().get(0).threshold());
      assertEquals(Action.REJECT, outcome.action());
      assertTrue(
          outcome
              .reason()
              .matches(
                  "Message looks like spam \\(score 10\\d\\d\\.\\d, limit 10\\.0\\), rejected"),
          outcome.reason());
      assertEquals(List.of("spamd=spam"), recorded);
    }
  }

  @Test
  void gtubeIsOnlyTaggedWhenRejectionIsOff() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(30), Double.NaN, live())) {
      ScanOutcome outcome = Messages.scan(s.begin("s2"), Messages.HEADERS, gtubeBody(), STEP);
      assertEquals(Action.ACCEPT, outcome.action());
      assertEquals(1, outcome.headers().size());
      assertEquals("X-Spam-Status", outcome.headers().get(0).name());
      assertTrue(
          outcome.headers().get(0).value().matches("Yes, score=10\\d\\d\\.\\d required=5\\.0"),
          outcome.headers().get(0).value());
    }
  }

  @Test
  void spamLargerThanSpamdMaxSizeIsNotSentToSpamd() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(30), 10.0, 1024, live())) {
      String big = gtubeBody() + "x".repeat(2048) + "\r\n";
      ScanOutcome outcome = Messages.scan(s.begin("s7"), Messages.HEADERS, big, STEP);
      assertEquals(Action.ACCEPT, outcome.action(), outcome.detail());
      assertEquals(ScanResult.SKIPPED, outcome.verdicts().get(0).result());
      assertTrue(outcome.detail().contains("spamd_max_size 1024"), outcome.detail());
      assertEquals(List.of(), outcome.headers(), "no verdict, so no X-Spam-Status");
      assertEquals(List.of("spamd=skipped"), recorded);
    }
  }

  @Test
  void plainMessageIsNotSpam() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(30), 10.0, live())) {
      ScanOutcome outcome =
          Messages.scan(s.begin("s3"), Messages.HEADERS, Messages.plainBody(), STEP);
      assertOutcome(ScanResult.CLEAN, outcome);
      assertEquals(Action.ACCEPT, outcome.action());
      assertTrue(
          outcome.headers().get(0).value().matches("No, score=-?\\d+\\.\\d required=5\\.0"),
          outcome.headers().get(0).value());
      assertEquals(List.of("spamd=clean"), recorded);
    }
  }

  @Test
  void largeMessageGoesThroughAnUnlinkedSpoolFile() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(60), 10.0, live())) {
      MessageScan scan = s.begin("s4");
      for (String[] h : Messages.HEADERS) {
        await(scan.header(h[0], h[1]), STEP);
      }
      await(scan.endOfHeaders(), STEP);
      for (int i = 0; i < 20; i++) {
        await(scan.body(Messages.textChunk(i)), STEP);
      }
      assertTrue(scan.size() > ScanService.SPAMD_MEMORY_LIMIT);
      try (Stream<Path> files = Files.list(spool)) {
        assertEquals(0, files.count(), "the spool file is unlinked while in use");
      }
      await(
          scan.body(Messages.plainBody().getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
          STEP);
      ScanOutcome outcome = await(scan.finish(), STEP);
      // spamd saw the whole message: it answered with a score, not an error.
      assertFalse(outcome.verdicts().get(0).result().isFailure(), outcome.detail());
      assertFalse(Double.isNaN(outcome.verdicts().get(0).score()));
    }
  }

  @Test
  void deadFirstBackendFailsOverToTheLiveOne() throws Exception {
    String dead = "spamd:tcp:127.0.0.1:" + Ports.freeTcpPort();
    try (ScanService s = service(Duration.ofSeconds(30), 10.0, dead, live())) {
      ScanOutcome outcome = Messages.scan(s.begin("s5"), Messages.HEADERS, gtubeBody(), STEP);
      assertOutcome(ScanResult.SPAM, outcome);
      assertTrue(outcome.detail().contains(":" + spamd.port() + " scored"), outcome.detail());
    }
  }

  @Test
  void noLiveBackendIsUnreachable() throws Exception {
    String dead = "spamd:tcp:127.0.0.1:" + Ports.freeTcpPort();
    try (ScanService s = service(Duration.ofSeconds(1), 10.0, dead)) {
      ScanOutcome outcome =
          Messages.scan(
              s.begin("s6"), Messages.HEADERS, Messages.plainBody(), Duration.ofSeconds(3));
      assertOutcome(ScanResult.UNREACHABLE, outcome);
      assertEquals(
          "Spam scanner spamd unreachable, message not accepted unscanned, try again later",
          outcome.reason());
      ProbeResult ping =
          new ScannerPingProbe(
                  Kind.SPAMD, List.of(ScannerEndpoint.parse(dead)), Duration.ofSeconds(1))
              .run();
      assertFalse(ping.healthy());
      assertEquals("Spam scanner spamd unreachable", ping.reason());
    }
  }

  @Test
  void stoppedSpamdTimesOutAtTheDeadline() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(2), 10.0, live())) {
      spamd.pause();
      long start = System.nanoTime();
      ScanOutcome outcome =
          Messages.scan(
              s.begin("s7"), Messages.HEADERS, Messages.plainBody(), Duration.ofSeconds(4));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertOutcome(ScanResult.TIMEOUT, outcome);
      assertEquals(
          "Spam scanner spamd did not answer within 2s, message not accepted unscanned, try again"
              + " later",
          outcome.reason());
      assertTrue(tookMs < 2700, "took " + tookMs + "ms");
    } finally {
      spamd.resume();
    }
  }

  @Test
  void pingProbeIsHealthy() throws Exception {
    ProbeResult r =
        new ScannerPingProbe(
                Kind.SPAMD, List.of(ScannerEndpoint.parse(live())), Duration.ofSeconds(2))
            .run();
    assertTrue(r.healthy(), r.detail());
    assertEquals("spamd", r.probe());
  }

  @Test
  void malwareAndSpamTogetherRejectForTheMalware() throws Exception {
    try (Clamd clamd = Clamd.start(dir.resolve("clamd"));
        ScanService s =
            service(
                Duration.ofSeconds(30), 10.0, "clamd:tcp:127.0.0.1:" + clamd.tcpPort(), live())) {
      ScanOutcome outcome =
          Messages.scan(
              s.begin("s8"), Messages.eicarHeaders(), Messages.eicarBody(Clamd.EICAR), STEP);
      assertEquals(ScanResult.INFECTED, outcome.verdicts().get(0).result(), outcome.detail());
      assertEquals(Kind.SPAMD, outcome.verdicts().get(1).scanner());
      assertEquals(Action.REJECT, outcome.action());
      assertEquals(
          "Message contains malware (" + Clamd.SIGNATURE + "), rejected", outcome.reason());
      assertEquals(2, recorded.size());
    }
  }
}
