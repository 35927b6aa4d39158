package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ScanSettings;
import io.headroom.scan.ScanOutcome.Action;
import io.headroom.support.Ports;
import io.headroom.support.RecordingMetrics;
import io.headroom.support.TestLoop;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan machinery against loopback stand-ins: framing, failover, deadlines, size limit. */
class MessageScanTest {

  @TempDir Path spool;

  private final RecordingMetrics metrics = new RecordingMetrics();
  private final List<String> recorded = metrics.events();

  private static ScanSettings settings(Duration timeout, long maxSize, String... scanners) {
    return Messages.settings(timeout, maxSize, 1L << 30, 10.0, scanners);
  }

  /** A scan service with one clamd backend, the fake one. */
  private ScanService service(FakeClamd clamd, Duration timeout, long maxSize) {
    return Messages.service(
        settings(timeout, maxSize, "clamd:tcp:127.0.0.1:" + clamd.port()), metrics, spool);
  }

  private static <T> T await(CompletionStage<T> stage, Duration within) throws Exception {
    return stage.toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void feed(MessageScan scan, int chunks, int chunkSize) throws Exception {
    await(scan.header("Subject", "test"), Duration.ofSeconds(10));
    await(scan.endOfHeaders(), Duration.ofSeconds(10));
    for (int i = 0; i < chunks; i++) {
      await(scan.body(new byte[chunkSize]), Duration.ofSeconds(10));
    }
  }

  private static ScanOutcome scanned(ScanService service, String id, int chunks, int chunkSize)
      throws Exception {
    MessageScan scan = service.begin(id);
    feed(scan, chunks, chunkSize);
    return await(scan.finish(), Duration.ofSeconds(10));
  }

  @Test
  void framesEveryByteAndSkipsEmptyChunks() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ANSWER_OK);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      MessageScan scan = service.begin("T1");
      feed(scan, 3, 1000);
      await(scan.body(new byte[0]), Duration.ofSeconds(5));
      await(scan.body(new byte[10]), Duration.ofSeconds(5));
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(10));
      assertEquals(Action.ACCEPT, outcome.action(), outcome.detail());
      assertEquals(ScanResult.CLEAN, outcome.verdicts().get(0).result());
      long expected = "Subject: test\r\n\r\n".length() + 3000 + 10;
      assertEquals(expected, clamd.payloadBytes.get());
      assertEquals(expected, scan.size());
      assertEquals(List.of("clamd=clean"), recorded);
    }
  }

  /**
   * The daemon begins scans on its event loop: clamd's answer must reach the session there, over
   * the same clamd session each time, without a hand-off to another thread.
   */
  @Test
  void aScanBegunOnTheEventLoopIsAnsweredThereOverOneConnection() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ANSWER_OK);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      EventLoop loop = TestLoop.SHARED.current();
      for (String id : List.of("L1", "L2", "L3")) {
        CompletableFuture<String> answered = new CompletableFuture<>();
        loop.execute(
            () -> {
              MessageScan scan = service.begin(id);
              scan.header("Subject", "test");
              scan.endOfHeaders();
              scan.body(new byte[1000]);
              scan.finish()
                  .whenComplete(
                      (outcome, e) ->
                          answered.complete(
                              (e == null ? outcome.action().toString() : e.toString())
                                  + " on the loop: "
                                  + loop.inEventLoop()));
            });
        assertEquals("ACCEPT on the loop: true", await(answered, Duration.ofSeconds(10)), id);
      }
      assertEquals(1, clamd.connections());
      assertEquals(List.of("clamd=clean", "clamd=clean", "clamd=clean"), recorded);
    }
  }

  @Test
  void aSessionClosedJustAfterItsCheckIsRetriedOnANewConnectionWhenTheMessageIsAtHand()
      throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ONE_PER_SESSION);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      for (String id : List.of("S1", "S2")) {
        ScanOutcome outcome = scanned(service, id, 1, 1000);
        assertEquals(ScanResult.CLEAN, outcome.verdicts().get(0).result(), outcome.detail());
      }
      assertEquals(2, clamd.connections());
      assertEquals(List.of("clamd=clean", "clamd=clean"), recorded);
    }
  }

  @Test
  void aSessionClosedUnderAStreamedMessageDefersIt() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ONE_PER_SESSION);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      scanned(service, "S3", 1, 1000);
      // Three batches: the first went to clamd before the end, so it cannot be sent again.
      ScanOutcome outcome = scanned(service, "S4", 3, MessageScan.BATCH_BYTES);
      assertEquals(ScanResult.ERROR, outcome.verdicts().get(0).result(), outcome.detail());
      assertEquals(Action.TEMPFAIL, outcome.action());
      assertEquals(List.of("clamd=clean", "clamd=error"), recorded);
    }
  }

  @Test
  void smallPiecesAreBatchedAndTakenAtOnce() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ANSWER_OK);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      MessageScan scan = service.begin("T7");
      List<CompletionStage<Void>> stages = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        stages.add(scan.header("X-Header-" + i, "value " + i));
      }
      stages.add(scan.endOfHeaders());
      stages.add(scan.body(new byte[2000]));
      for (CompletionStage<Void> stage : stages) {
        assertTrue(
            stage.toCompletableFuture().isDone(),
            "a small piece is answered without waiting for clamd");
      }
      assertEquals(
          0, clamd.payloadBytes.get(), "nothing sent before the batch is full or the message ends");
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(10));
      assertEquals(ScanResult.CLEAN, outcome.verdicts().get(0).result(), outcome.detail());
      assertEquals(1, clamd.chunks.get(), "the whole small message went to clamd as one chunk");
      assertEquals(scan.size(), clamd.payloadBytes.get());
    }
  }

  @Test
  void aFullBatchIsHandedOverBeforeTheChunkThatFilledIt() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ANSWER_OK);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      MessageScan scan = service.begin("T8");
      feed(scan, 3, 40_000);
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(10));
      assertEquals(ScanResult.CLEAN, outcome.verdicts().get(0).result(), outcome.detail());
      // headers + 40,000 batched; the second 40,000 overflows: batch, then the chunk itself; the
      // third is batched again and sent at the end.
      assertEquals(3, clamd.chunks.get());
      assertEquals("Subject: test\r\n\r\n".length() + 120_000, clamd.payloadBytes.get());
    }
  }

  @Test
  void refusedBackendFailsOverToTheNext() throws Exception {
    int dead = Ports.freeTcpPort();
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ANSWER_OK);
        ScanService service =
            Messages.service(
                settings(
                    Duration.ofSeconds(10),
                    1L << 30,
                    "clamd:tcp:127.0.0.1:" + dead,
                    "clamd:tcp:127.0.0.1:" + clamd.port()),
                metrics,
                spool)) {
      MessageScan scan = service.begin("T2");
      feed(scan, 1, 100);
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(10));
      assertEquals(ScanResult.CLEAN, outcome.verdicts().get(0).result(), outcome.detail());
    }
  }

  @Test
  void noBackendIsUnreachableAtTheDeadline() throws Exception {
    int dead = Ports.freeTcpPort();
    Duration timeout = Duration.ofMillis(800);
    try (ScanService service =
        Messages.service(
            settings(timeout, 1L << 30, "clamd:tcp:127.0.0.1:" + dead), metrics, spool)) {
      long start = System.nanoTime();
      MessageScan scan = service.begin("T3");
      feed(scan, 2, 100);
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(5));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(ScanResult.UNREACHABLE, outcome.verdicts().get(0).result());
      assertEquals(Action.TEMPFAIL, outcome.action());
      assertEquals(
          "Virus scanner clamd unreachable, message not accepted unscanned, try again later",
          outcome.reason());
      assertTrue(
          tookMs >= 700 && tookMs < 1500, "retried until the deadline, took " + tookMs + "ms");
      assertEquals(List.of("clamd=unreachable"), recorded);
    }
  }

  /**
   * A spamd that takes connections and never answers holds spamd's I/O threads only. Sharing them,
   * clamd's next connection waited behind the hung exchanges until the deadline, and the reply
   * named clamd "unreachable" for spamd's hang.
   */
  @Test
  void aHungSpamdDoesNotQueueClamdsConnectionsBehindIt() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ONE_PER_SESSION);
        ServerSocket spamd = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ScanService service =
            new ScanService(
                settings(
                    Duration.ofSeconds(2),
                    1L << 30,
                    "clamd:tcp:127.0.0.1:" + clamd.port(),
                    "spamd:tcp:127.0.0.1:" + spamd.getLocalPort()),
                metrics,
                spool,
                1,
                kind -> false,
                TestLoop.SHARED)) {
      CompletionStage<ScanOutcome> first = unawaited(service, "H1");
      // The first message's clamd session answers once; the second needs a new connection.
      Thread.sleep(300);
      ScanOutcome second = await(unawaited(service, "H2"), Duration.ofSeconds(10));
      assertEquals(ScanResult.CLEAN, second.verdicts().get(0).result(), second.detail());
      assertEquals(ScanResult.TIMEOUT, second.verdicts().get(1).result(), second.detail());
      assertEquals(
          "Spam scanner spamd did not answer within 2s, message not accepted unscanned, try again"
              + " later",
          second.reason());
      await(first, Duration.ofSeconds(10));
    }
  }

  /** One message fed and finished without waiting for the scanners to take any of it. */
  private static CompletionStage<ScanOutcome> unawaited(ScanService service, String id) {
    MessageScan scan = service.begin(id);
    scan.header("Subject", "test");
    scan.endOfHeaders();
    scan.body(new byte[1000]);
    return scan.finish();
  }

  @Test
  void aScannerDeclaredDownByItsHealthCheckFailsAtOnce() throws Exception {
    int dead = Ports.freeTcpPort();
    try (ScanService service =
        new ScanService(
            settings(Duration.ofSeconds(10), 1L << 30, "clamd:tcp:127.0.0.1:" + dead),
            metrics,
            spool,
            ScanService.DEFAULT_IO_THREADS,
            kind -> true,
            TestLoop.SHARED)) {
      long start = System.nanoTime();
      MessageScan scan = service.begin("T3b");
      feed(scan, 2, 100);
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(5));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(ScanResult.UNREACHABLE, outcome.verdicts().get(0).result());
      assertEquals(
          "Virus scanner clamd unreachable, message not accepted unscanned, try again later",
          outcome.reason());
      assertTrue(outcome.detail().contains("its health check declares it down"), outcome.detail());
      assertTrue(tookMs < 2000, "no retrying until the 10s deadline, took " + tookMs + "ms");
    }
  }

  @Test
  void scannerThatStopsReadingTimesOutEvenWithAFullSendBuffer() throws Exception {
    Duration timeout = Duration.ofSeconds(1);
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.NEVER_READ);
        ScanService service = service(clamd, timeout, 1L << 30)) {
      long start = System.nanoTime();
      MessageScan scan = service.begin("T4");
      // 32 MiB cannot fit in the socket buffers, so a write blocks until the deadline closes it.
      for (int i = 0; i < 512; i++) {
        await(scan.body(new byte[65536]), Duration.ofSeconds(3));
      }
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(3));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(ScanResult.TIMEOUT, outcome.verdicts().get(0).result());
      assertEquals(
          "Virus scanner clamd did not answer within 1s, message not accepted unscanned, try again"
              + " later",
          outcome.reason());
      assertTrue(tookMs < 1500, "timed out at the deadline, took " + tookMs + "ms");
    }
  }

  /**
   * clamd answers that a stream passed StreamMaxLength and closes at once, with the rest of the
   * stream unread, so the kernel resets the connection. Our next write then fails with a broken
   * pipe; the answer already waiting in the socket must still be read, and give the reason. The
   * loop is held while clamd answers so that the write comes before the read, as it does now and
   * then under load.
   */
  @Test
  void aWriteRefusedAfterClamdsSizeLimitAnswerStillReadsThatAnswer() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.SIZE_LIMIT);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      MessageScan scan = service.begin("Z1");
      await(scan.header("Subject", "big"), Duration.ofSeconds(10));
      await(scan.endOfHeaders(), Duration.ofSeconds(10));
      await(scan.body(new byte[MessageScan.BATCH_BYTES]), Duration.ofSeconds(10));
      CountDownLatch held = new CountDownLatch(1);
      TestLoop.SHARED
          .current()
          .execute(
              () -> {
                held.countDown();
                try {
                  clamd.reset.await(10, TimeUnit.SECONDS);
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      assertTrue(held.await(10, TimeUnit.SECONDS));
      clamd.replyAllowed.countDown();
      CompletionStage<Void> refused = scan.body(new byte[MessageScan.BATCH_BYTES]);
      ScanOutcome outcome = await(refused.thenCompose(v -> scan.finish()), Duration.ofSeconds(10));
      assertEquals(ScanResult.SIZE_LIMIT, outcome.verdicts().get(0).result(), outcome.detail());
      assertTrue(outcome.detail().contains("StreamMaxLength"), outcome.detail());
      assertEquals(List.of("clamd=size_limit"), recorded);
    }
  }

  @Test
  void oversizeMessageIsNotScanned() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.ANSWER_OK);
        ScanService service = service(clamd, Duration.ofSeconds(10), 5000)) {
      MessageScan scan = service.begin("T5");
      feed(scan, 3, 4000);
      ScanOutcome outcome = await(scan.finish(), Duration.ofSeconds(5));
      assertEquals(ScanResult.SKIPPED, outcome.verdicts().get(0).result());
      assertEquals(Action.TEMPFAIL, outcome.action());
      assertTrue(
          outcome.reason().startsWith("Message too large to scan (11.7 KiB, limit 4.8 KiB)"),
          outcome.reason());
      assertEquals(List.of("clamd=skipped"), recorded);
    }
  }

  @Test
  void abortReleasesWithoutAVerdict() throws Exception {
    try (FakeClamd clamd = new FakeClamd(FakeClamd.Mode.NEVER_READ);
        ScanService service = service(clamd, Duration.ofSeconds(10), 1L << 30)) {
      MessageScan scan = service.begin("T6");
      CompletionStage<Void> stuck = scan.body(new byte[8 << 20]);
      scan.abort();
      await(stuck, Duration.ofSeconds(2));
      assertTrue(scan.finish().toCompletableFuture().isCompletedExceptionally());
      assertEquals(List.of(), recorded);
    }
  }

  @Test
  void headerLinesUseCrlfAndKeepFolding() {
    assertEquals(
        "Subject: a\r\n\tb\r\n", new String(MessageScan.headerLine("Subject", "a\n\tb"), US_ASCII));
  }
}
