package io.headroom.milter;

import io.headroom.reply.SmtpReply;
import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.metrics.Metrics;
import io.headroom.metrics.Metrics.MessageAction;
import io.headroom.scan.MessageScan;
import io.headroom.scan.ScanOutcome;
import io.headroom.scan.ScanService;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
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

  private final ScanService scanner;
  private final Mode mode;
  private final Metrics metrics;

  ContentScanning(ScanService scanner, Mode mode, Metrics metrics) {
    this.scanner = scanner;
    this.mode = mode;
    this.metrics = metrics;
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
        .whenComplete((outcome, failure) -> {
          s.endScan();
          try {
            if (failure != null) {
              log.error("session {} queue {}: scan failed, deferring", s.logId(), s.queueId(), failure);
              GateHandler.send(s, GateHandler.INTERNAL_ERROR);
            } else {
              answer(s, outcome);
            }
          } catch (MilterException | RuntimeException e) {
            log.warn("session {} queue {}: cannot send the scan reply: {}", s.logId(), s.queueId(), e.toString());
          }
        });
  }

  void abort(Session s) {
    s.endScan();
  }

  private MessageScan scan(Session s) {
    return s.scan(() -> scanner.begin(s.queueId()));
  }

  /**
   * Postfix sends headers and body without waiting for a reply where it negotiated that (see
   * {@link Negotiation}); then reading stops until the scanners have taken the bytes. Otherwise
   * "continue" is the reply, once they have.
   */
  private static void continueWhenDone(Session s, CompletionStage<?> stage) {
    if (!s.awaitsReply()) {
      s.holdReadingUntil(stage);
      return;
    }
    stage.whenComplete((v, failure) -> {
      try {
        s.sendContinue();
      } catch (MilterException e) {
        log.warn("session {}: cannot send continue: {}", s.logId(), e.toString());
      }
    });
  }

  private void answer(Session s, ScanOutcome outcome) throws MilterException {
    ScanOutcome.Action action = outcome.action();
    if (action != ScanOutcome.Action.ACCEPT && mode == Mode.MONITOR) {
      metrics.wouldDefer(Check.SCAN, STAGE);
      log.warn("session {} queue {}: client {} would get {} from scanning (monitor mode): {}",
          s.logId(), s.queueId(), s.clientDescription(), action, outcome.detail());
      action = ScanOutcome.Action.ACCEPT;
    }
    switch (action) {
      case ACCEPT -> {
        for (ScanOutcome.Header h : outcome.headers()) {
          s.sendPacket(packet(ResponseCode.SMFIR_ADDHEADER, h.name(), h.value()));
        }
        metrics.message(s.acceptedAs());
        s.sendContinue();
      }
      case QUARANTINE -> {
        log.warn("session {} queue {}: quarantined message from {}: {}",
            s.logId(), s.queueId(), s.clientDescription(), outcome.detail());
        s.sendPacket(packet(ResponseCode.SMFIR_QUARANTINE, outcome.reason()));
        metrics.message(MessageAction.QUARANTINED);
        s.sendContinue();
      }
      case TEMPFAIL -> {
        log.warn("session {} queue {}: deferred client {} at end of data: check scan failing: {}",
            s.logId(), s.queueId(), s.clientDescription(), outcome.detail());
        metrics.deferred(Check.SCAN, STAGE);
        metrics.message(MessageAction.DEFERRED);
        GateHandler.send(s, new SmtpReply(451, "4.3.0", outcome.reason()));
      }
      case REJECT_OVERSIZE, REJECT -> {
        log.warn("session {} queue {}: rejected message from {}: {}",
            s.logId(), s.queueId(), s.clientDescription(), outcome.detail());
        metrics.message(MessageAction.REJECTED);
        GateHandler.send(s, action == ScanOutcome.Action.REJECT
            ? SmtpReply.reject(outcome.reason())
            : new SmtpReply(552, "5.3.4", outcome.reason()));
      }
    }
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
