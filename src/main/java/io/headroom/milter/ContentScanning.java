package io.headroom.milter;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.ScanSettings;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.Stage;
import io.headroom.metrics.Metrics;
import io.headroom.metrics.Metrics.MessageAction;
import io.headroom.reply.SmtpReply;
import io.headroom.scan.MessageScan;
import io.headroom.scan.ScanOutcome;
import io.headroom.scan.ScanService;
import io.headroom.transport.MemoryBudget;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.ResponseCode;
import org.nightcode.milter.codec.MilterPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message content's path: streams headers and body to the scanners as Postfix sends them and
 * turns the verdict into the end-of-message reply. Postfix sends the content without waiting for
 * replies; when the scanners fall behind, the connection is not read until they have taken what
 * came, which bounds what one session holds to a batch and the packets of one read. None of this
 * blocks the event loop.
 */
final class ContentScanning {
  private static final Logger log = LoggerFactory.getLogger(ContentScanning.class);

  /** Scan verdicts come at the end of DATA; metrics and logs call that stage "data". */
  private static final Stage STAGE = Stage.DATA;

  /**
   * What one message's scan holds at most: the 64 KiB batch, which its byte stream can double, one
   * 64 KiB chunk on its way to the scanners, and jmilter's copy of a packet.
   */
  static final long SCAN_MEMORY = 256 << 10;

  private final ScanService scanner;
  private final Mode mode;
  private final Metrics metrics;
  private final MemoryBudget budget;
  private final long memoryPerScan;

  /**
   * @param budget the memory all connections share: a scan takes its part before it begins, and a
   *     message that finds none left is answered 451 busy rather than reset or queued
   */
  ContentScanning(
      ScanService scanner, ScanSettings settings, Mode mode, Metrics metrics, MemoryBudget budget) {
    this.scanner = scanner;
    this.mode = mode;
    this.metrics = metrics;
    this.budget = budget;
    boolean spamd =
        settings.scanners().stream().anyMatch(e -> e.kind() == ScannerEndpoint.Kind.SPAMD);
    // spamd is given the whole message at once: up to SPAMD_MEMORY_LIMIT of it is kept in memory.
    this.memoryPerScan = SCAN_MEMORY + (spamd ? ScanService.SPAMD_MEMORY_LIMIT : 0);
  }

  /** Takes this message's scan memory from the shared budget; false when none is left. */
  boolean admit(Session s) {
    return s.reserveScanMemory(budget, memoryPerScan);
  }

  void header(Session s, String name, String value) {
    continueWhenDone(s, scan(s).header(name, value));
  }

  void endOfHeaders(Session s) {
    continueWhenDone(s, scan(s).endOfHeaders());
  }

  void body(Session s, byte[] chunk) {
    continueWhenDone(s, scan(s).body(chunk));
  }

  void endOfMessage(Session s, byte[] lastChunk) {
    MessageScan scan = scan(s);
    CompletionStage<?> fed =
        lastChunk == null ? CompletableFuture.completedFuture(null) : scan.body(lastChunk);
    fed.thenCompose(v -> scan.finish())
        .whenComplete(
            (outcome, failure) -> {
              s.endScan();
              if (failure instanceof CompletionException e
                  && e.getCause() instanceof CancellationException) {
                // Aborted by ABORT, QUIT or a lost connection: no one waits for an answer.
                return;
              }
              try {
                if (failure != null) {
                  log.error("{}: scan failed, deferring", s.tag(), failure);
                  if (s.markDeferred()) {
                    metrics.message(MessageAction.DEFERRED);
                  }
                  GateHandler.send(s, GateHandler.INTERNAL_ERROR);
                } else {
                  answer(s, outcome);
                }
              } catch (MilterException | RuntimeException e) {
                log.warn("{}: cannot send the scan reply: {}", s.tag(), e.toString());
              }
            });
  }

  private MessageScan scan(Session s) {
    return s.scan(() -> scanner.begin(s.queueId()));
  }

  /**
   * Postfix sends headers and body without waiting for a reply where it negotiated that (see {@link
   * Negotiation}); then reading stops until the scanners have taken the bytes. Otherwise "continue"
   * is the reply, once they have.
   */
  private static void continueWhenDone(Session s, CompletionStage<?> stage) {
    if (!s.awaitsReply()) {
      s.holdReadingUntil(stage);
      return;
    }
    stage.whenComplete(
        (v, failure) -> {
          try {
            s.sendContinue();
          } catch (MilterException e) {
            log.warn("{}: cannot send continue: {}", s.tag(), e.toString());
          }
        });
  }

  private void answer(Session s, ScanOutcome outcome) throws MilterException {
    ScanOutcome.Action action = outcome.action();
    if (action != ScanOutcome.Action.ACCEPT && mode == Mode.MONITOR) {
      metrics.wouldDefer(Check.SCAN, STAGE);
      log.warn(
          "{}: client {} would get {} from scanning (monitor mode): {}",
          s.tag(),
          s.clientDescription(),
          action,
          outcome.detail());
      action = ScanOutcome.Action.ACCEPT;
    }
    if (action == ScanOutcome.Action.ACCEPT) {
      for (ScanOutcome.Header h : outcome.headers()) {
        s.sendPacket(packet(ResponseCode.SMFIR_ADDHEADER, h.name(), h.value()));
      }
      s.acceptance().ifPresent(metrics::message);
      s.sendContinue();
      return;
    }
    ScanOutcome.Refusal refusal = outcome.refusal().orElseThrow();
    // A recipient's 451 may have counted the transaction already, and it counts once (README).
    if (action == ScanOutcome.Action.QUARANTINE) {
      log.warn(
          "{}: quarantined message from {}: {}", s.tag(), s.clientDescription(), outcome.detail());
      s.sendPacket(packet(ResponseCode.SMFIR_QUARANTINE, refusal.text()));
      if (s.markCounted()) {
        metrics.message(MessageAction.QUARANTINED);
      }
      s.sendContinue();
      return;
    }
    SmtpReply reply = SmtpReply.of(refusal.consequence(), refusal.reason());
    if (action == ScanOutcome.Action.TEMPFAIL) {
      log.warn(
          "{}: deferred client {} at end of data by check scan: \"{}\"; {}",
          s.tag(),
          s.clientDescription(),
          reply.line(),
          outcome.detail());
      GateHandler.countDeferred(s, metrics, Check.SCAN, STAGE);
    } else {
      log.warn(
          "{}: rejected message from {}: \"{}\"; {}",
          s.tag(),
          s.clientDescription(),
          reply.line(),
          outcome.detail());
      if (s.markCounted()) {
        metrics.message(MessageAction.REJECTED);
      }
    }
    GateHandler.send(s, reply);
  }

  /** A reply packet of NUL-terminated strings, as SMFIR_ADDHEADER and SMFIR_QUARANTINE carry. */
  private static MilterPacket packet(ResponseCode code, String... strings) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (String str : strings) {
      out.writeBytes(str.getBytes(StandardCharsets.US_ASCII));
      out.write(0);
    }
    return MilterPacket.builder().command(code).payload(out.toByteArray()).build();
  }
}
