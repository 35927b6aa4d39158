package io.headroom.scan;

import static io.headroom.scan.Messages.assertOutcome;
import static io.headroom.scan.Messages.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ScanSettings;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.probe.ProbeResult;
import io.headroom.probe.ScannerPingProbe;
import io.headroom.scan.ScanOutcome.Action;
import io.headroom.support.Clamd;
import io.headroom.support.Ports;
import io.headroom.support.RecordingMetrics;
import io.headroom.support.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clamd client against a real clamd (started once for the class; tests that stop it restore
 * it).
 */
class ClamdScanIT {

  private static final Duration STEP = Duration.ofSeconds(20);

  @TempDir static Path dir;
  private static Clamd clamd;

  @TempDir Path spool;
  private final RecordingMetrics metrics = new RecordingMetrics();
  private final List<String> recorded = metrics.events();

  @BeforeAll
  static void startClamd() throws Exception {
    clamd = Clamd.start(dir.resolve("clamd"));
  }

  @AfterAll
  static void stopClamd() throws Exception {
    if (clamd != null) {
      clamd.stop();
    }
  }

  @AfterEach
  void clamdStaysUsable() throws Exception {
    if (!clamd.isRunning()) {
      clamd.restart();
    }
    clamd.resume();
  }

  private static ScanSettings settings(Duration timeout, String... scanners) {
    return Messages.settings(timeout, 1L << 30, 1L << 30, Double.NaN, scanners);
  }

  private static String tcp() {
    return "clamd:tcp:127.0.0.1:" + clamd.tcpPort();
  }

  private ScanService service(Duration timeout, String... scanners) {
    return Messages.service(settings(timeout, scanners), metrics, spool);
  }

  @Test
  void cleanMessageIsClean() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(30), tcp())) {
      ScanOutcome outcome =
          Messages.scan(s.begin("c1"), Messages.HEADERS, Messages.plainBody(), STEP);
      assertOutcome(ScanResult.CLEAN, outcome);
      assertEquals(Action.ACCEPT, outcome.action());
      assertEquals(List.of("clamd=clean"), recorded);
    }
  }

  @Test
  void eicarAttachmentIsInfectedWithItsSignature() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(30), tcp())) {
      ScanOutcome outcome =
          Messages.scan(
              s.begin("c2"), Messages.eicarHeaders(), Messages.eicarBody(Clamd.EICAR), STEP);
      assertOutcome(ScanResult.INFECTED, outcome);
      assertEquals(Clamd.SIGNATURE, outcome.verdicts().get(0).signature());
      assertEquals(Action.REJECT, outcome.action());
      assertEquals(
          "Message contains malware (" + Clamd.SIGNATURE + "), rejected", outcome.reason());
      assertEquals(List.of("clamd=infected"), recorded);
    }
  }

  @Test
  void messagesOneAfterTheOtherShareOneConnection() throws Exception {
    try (TcpProxy proxy = new TcpProxy(clamd.tcpPort());
        ScanService s = service(Duration.ofSeconds(30), "clamd:tcp:127.0.0.1:" + proxy.port())) {
      assertOutcome(
          ScanResult.CLEAN,
          Messages.scan(s.begin("r1"), Messages.HEADERS, Messages.plainBody(), STEP));
      ScanOutcome infected =
          Messages.scan(
              s.begin("r2"), Messages.eicarHeaders(), Messages.eicarBody(Clamd.EICAR), STEP);
      assertOutcome(ScanResult.INFECTED, infected);
      assertEquals(Clamd.SIGNATURE, infected.verdicts().get(0).signature());
      assertOutcome(
          ScanResult.CLEAN,
          Messages.scan(s.begin("r3"), Messages.HEADERS, Messages.plainBody(), STEP));
      assertEquals(1, proxy.accepted(), "connections clamd accepted for three messages");
      assertEquals(List.of("clamd=clean", "clamd=infected", "clamd=clean"), recorded);
    }
  }

  @Test
  void aSessionClosedWhileIdleIsReplacedByANewConnection() throws Exception {
    try (TcpProxy proxy = new TcpProxy(clamd.tcpPort());
        ScanService s = service(Duration.ofSeconds(30), "clamd:tcp:127.0.0.1:" + proxy.port())) {
      assertOutcome(
          ScanResult.CLEAN,
          Messages.scan(s.begin("i1"), Messages.HEADERS, Messages.plainBody(), STEP));
      proxy.dropAll();
      assertOutcome(
          ScanResult.INFECTED,
          Messages.scan(
              s.begin("i2"), Messages.eicarHeaders(), Messages.eicarBody(Clamd.EICAR), STEP));
      assertEquals(2, proxy.accepted());
      assertEquals(List.of("clamd=clean", "clamd=infected"), recorded);
    }
  }

  @Test
  void aStoppedClamdBehindAnIdleSessionStillEndsAtTheDeadline() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(2), tcp())) {
      assertOutcome(
          ScanResult.CLEAN,
          Messages.scan(s.begin("h1"), Messages.HEADERS, Messages.plainBody(), STEP));
      clamd.pause();
      long start = System.nanoTime();
      ScanOutcome outcome =
          Messages.scan(
              s.begin("h2"), Messages.HEADERS, Messages.plainBody(), Duration.ofSeconds(4));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertOutcome(ScanResult.TIMEOUT, outcome);
      assertEquals(Action.TEMPFAIL, outcome.action());
      assertTrue(tookMs >= 1900 && tookMs < 2700, "deadline 2s, took " + tookMs + "ms");
      assertEquals(List.of("clamd=clean", "clamd=timeout"), recorded);
    } finally {
      clamd.resume();
    }
  }

  @Test
  void unixSocketWorks() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(30), "clamd:unix:" + clamd.socketPath())) {
      assertOutcome(
          ScanResult.CLEAN,
          Messages.scan(s.begin("c3"), Messages.HEADERS, Messages.plainBody(), STEP));
      assertOutcome(
          ScanResult.INFECTED,
          Messages.scan(
              s.begin("c3b"), Messages.eicarHeaders(), Messages.eicarBody(Clamd.EICAR), STEP));
    }
  }

  @Test
  void deadFirstBackendFailsOverToTheLiveOne() throws Exception {
    String dead = "clamd:tcp:127.0.0.1:" + Ports.freeTcpPort();
    try (ScanService s = service(Duration.ofSeconds(30), dead, tcp())) {
      ScanOutcome outcome =
          Messages.scan(
              s.begin("c4"), Messages.eicarHeaders(), Messages.eicarBody(Clamd.EICAR), STEP);
      assertOutcome(ScanResult.INFECTED, outcome);
      assertTrue(outcome.detail().contains(":" + clamd.tcpPort() + " answered"), outcome.detail());
    }
  }

  @Test
  void stoppedClampTimesOutAtTheDeadlineEvenWithAFullSendBuffer() throws Exception {
    Duration timeout = Duration.ofSeconds(2);
    try (ScanService s = service(timeout, tcp())) {
      clamd.pause();
      long start = System.nanoTime();
      MessageScan scan = s.begin("c5");
      for (String[] h : Messages.HEADERS) {
        await(scan.header(h[0], h[1]), STEP);
      }
      await(scan.endOfHeaders(), STEP);
      // 16 MiB do not fit in the socket buffers of a stopped clamd: a write blocks until the
      // deadline.
      for (int i = 0; i < 256; i++) {
        await(scan.body(Messages.textChunk(i)), Duration.ofSeconds(4));
      }
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(4));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertOutcome(ScanResult.TIMEOUT, outcome);
      assertEquals(Action.TEMPFAIL, outcome.action());
      assertEquals(
          "Virus scanner clamd did not answer within 2s, message not accepted unscanned, try again"
              + " later",
          outcome.reason());
      assertTrue(tookMs >= 1900 && tookMs < 2700, "deadline 2s, took " + tookMs + "ms");
      assertEquals(List.of("clamd=timeout"), recorded);
    } finally {
      clamd.resume();
    }
  }

  @Test
  void stoppedClamdAnswersNothingSmallEither() throws Exception {
    try (ScanService s = service(Duration.ofSeconds(2), tcp())) {
      clamd.pause();
      long start = System.nanoTime();
      ScanOutcome outcome =
          Messages.scan(
              s.begin("c6"), Messages.HEADERS, Messages.plainBody(), Duration.ofSeconds(4));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertOutcome(ScanResult.TIMEOUT, outcome);
      assertTrue(tookMs < 2700, "took " + tookMs + "ms");
    } finally {
      clamd.resume();
    }
  }

  @Test
  void killedClamdIsUnreachableAndThePingProbeSaysSo() throws Exception {
    clamd.stop();
    try (ScanService s =
        service(Duration.ofSeconds(2), tcp(), "clamd:unix:" + clamd.socketPath())) {
      long start = System.nanoTime();
      ScanOutcome outcome =
          Messages.scan(
              s.begin("c7"), Messages.HEADERS, Messages.plainBody(), Duration.ofSeconds(4));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertOutcome(ScanResult.UNREACHABLE, outcome);
      assertEquals(
          "Virus scanner clamd unreachable, message not accepted unscanned, try again later",
          outcome.reason());
      assertFalse(outcome.reason().contains("127.0.0.1"));
      assertTrue(outcome.detail().contains("127.0.0.1:" + clamd.tcpPort()), outcome.detail());
      assertTrue(tookMs < 2700, "took " + tookMs + "ms");

      ProbeResult ping =
          new ScannerPingProbe(
                  Kind.CLAMD,
                  List.of(
                      ScannerEndpoint.parse(tcp()),
                      ScannerEndpoint.parse("clamd:unix:" + clamd.socketPath())),
                  Duration.ofSeconds(1))
              .run();
      assertFalse(ping.healthy());
      assertEquals("Virus scanner clamd unreachable", ping.reason());
      assertEquals("0/2 backends answer", ping.measured());
    }
  }

  @Test
  void clamdComingBackBeforeTheDeadlineStillScans() throws Exception {
    clamd.stop();
    try (ScanService s = service(Duration.ofSeconds(45), tcp())) {
      MessageScan scan = s.begin("c8");
      // A small message is batched whole: Postfix gets its replies while clamd is still away.
      await(scan.header("Subject", "while clamd restarts"), STEP);
      await(scan.endOfHeaders(), STEP);
      await(scan.body(Messages.eicarBody(Clamd.EICAR).getBytes(StandardCharsets.US_ASCII)), STEP);
      CompletableFuture<ScanOutcome> verdict = scan.finish().toCompletableFuture();
      assertThrows(
          TimeoutException.class,
          () -> verdict.get(500, TimeUnit.MILLISECONDS),
          "no verdict while no clamd answers");
      clamd.restart();
      ScanOutcome outcome = await(verdict, STEP);
      // The body alone is not a MIME message, so EICAR is not decoded: clamd must still say OK.
      assertOutcome(ScanResult.CLEAN, outcome);
    }
  }

  @Test
  void pingProbeIsHealthyWithOneLiveBackend() throws Exception {
    ScannerPingProbe probe =
        new ScannerPingProbe(
            Kind.CLAMD,
            List.of(
                ScannerEndpoint.parse("clamd:tcp:127.0.0.1:" + Ports.freeTcpPort()),
                ScannerEndpoint.parse("clamd:unix:" + clamd.socketPath())),
            Duration.ofSeconds(2));
    ProbeResult r = probe.run();
    assertTrue(r.healthy(), r.detail());
    assertEquals("clamd", r.probe());
    assertEquals("1/2 backends answer", r.measured());
  }

  @Test
  void pingProbeFailsOnAStoppedClamdWithinItsTimeout() throws Exception {
    ScannerPingProbe probe =
        new ScannerPingProbe(
            Kind.CLAMD, List.of(ScannerEndpoint.parse(tcp())), Duration.ofSeconds(1));
    clamd.pause();
    try {
      long start = System.nanoTime();
      ProbeResult r = probe.run();
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertFalse(r.healthy());
      assertTrue(r.detail().contains("no answer within 1s"), r.detail());
      assertEquals(
          "Virus scanner clamd not answering (no reply within 1s)",
          r.reason(),
          "a hung scanner is not called unreachable");
      assertTrue(tookMs < 1500, "took " + tookMs + "ms");
    } finally {
      clamd.resume();
    }
  }

  @Test
  void clamdStreamLimitBelowScanMaxSizeIsItsOwnFailure() throws Exception {
    try (Clamd small = Clamd.start(dir.resolve("clamd-small"), "1M");
        ScanService s = service(Duration.ofSeconds(30), "clamd:tcp:127.0.0.1:" + small.tcpPort())) {
      MessageScan scan = s.begin("c9");
      await(scan.header("Subject", "big"), STEP);
      await(scan.endOfHeaders(), STEP);
      for (int i = 0; i < 48; i++) {
        await(scan.body(Messages.textChunk(i)), STEP);
      }
      ScanOutcome outcome = await(scan.finish(), STEP);
      assertOutcome(ScanResult.SIZE_LIMIT, outcome);
      assertEquals(
          "Message exceeds the stream size limit of clamd, message not accepted unscanned, try"
              + " again later",
          outcome.reason());
      assertTrue(outcome.detail().contains("StreamMaxLength"), outcome.detail());
      assertEquals(List.of("clamd=size_limit"), recorded);
    }
  }

  @Test
  void tensOfMibStreamThroughASmallHeap() throws Exception {
    int mib = 48;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx32m",
                "-cp",
                System.getProperty("java.class.path"),
                LargeMessageScan.class.getName(),
                Integer.toString(clamd.tcpPort()),
                Integer.toString(mib),
                spool.toString())
            .redirectErrorStream(true)
            .start();
    byte[] out = child.getInputStream().readAllBytes();
    assertTrue(child.waitFor(180, TimeUnit.SECONDS), "child finished");
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), text);
    assertTrue(text.contains("result=clean"), text);
    long maxHeap = Long.parseLong(text.replaceAll("(?s).*maxHeap=(\\d+).*", "$1"));
    assertTrue(
        maxHeap < (long) mib << 20, "the heap (" + maxHeap + ") is smaller than the message");
    try (var files = Files.list(spool)) {
      assertEquals(0, files.count());
    }
  }
}
