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
import java.nio.ByteBuffer;
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

  /**
   * The most X-Spam-Status headers of its own a message may come with: ours replaces them, one
   * deletion each, and Postfix cannot delete many more. Each costs cleanup(8) a backward jump in
   * the queue file, and past 10,000 in one file (REVERSE_JUMP_LIMIT, record.c) it panics: the
   * message is not accepted and the postmaster gets a notice, at every retry; the work also grows
   * with the square of the count. Mail comes with one or two; one with more than this is rejected
   * rather than delivered with a forged one beside ours.
   */
  static final int MAX_REPLACED_SPAM_STATUS = 100;

  private final ScanService scanner;
  private final Mode mode;
  private final Metrics metrics;
  private final MemoryBudget budget;
  private final long memoryPerScan;
  private final boolean spamd;

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
    this.spamd = settings.scanners().stream().anyMatch(e -> e.kind() == ScannerEndpoint.Kind.SPAMD);
    // spamd is given the whole message at once: up to SPAMD_MEMORY_LIMIT of it is kept in memory.
    this.memoryPerScan = SCAN_MEMORY + (spamd ? ScanService.SPAMD_MEMORY_LIMIT : 0);
  }

  /**
   * Whether accepted messages get our {@code X-Spam-Status}, replacing any the message came with:
   * true when spamd is configured.
   */
  boolean tagsSpam() {
    return spamd;
  }

  /** Takes this message's scan memory from the shared budget; false when none is left. */
  boolean admit(Session s) {
    return s.reserveScanMemory(budget, memoryPerScan);
  }

  void header(Session s, String name, String value) {
    if (spamd && ScanOutcome.SPAM_STATUS_HEADER.equalsIgnoreCase(name)) {
      s.countIncomingSpamStatus();
    }
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

  private void answer(Session s, ScanOutcome scanned) throws MilterException {
    int incoming = s.incomingSpamStatus();
    ScanOutcome outcome = scanned.replacingSpamStatus(incoming, MAX_REPLACED_SPAM_STATUS);
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
        // Past the limit only in monitor mode: none deleted, as not all could be.
        if (h.name().equals(ScanOutcome.SPAM_STATUS_HEADER)
            && incoming <= MAX_REPLACED_SPAM_STATUS) {
          deleteIncoming(s, h.name(), incoming);
        }
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

  /**
   * Deletes the message's own headers named {@code name}, so that the one we add is the only one: a
   * sender's {@code X-Spam-Status: No} ahead of ours would pass with a rule that reads the first.
   * SMFIR_CHGHEADER with an empty value deletes the header at that index among the headers of that
   * name, counted from 1 as the milter saw them (Postfix leaves its own Received: header out of
   * both counts: milter8.c, cleanup_milter.c). The last goes first, so that each deletion leaves
   * the indexes of those before it as they were: Postfix numbers only the headers left (deleting 1
   * and then 2 of two leaves the second), and an MTA that still counted a deleted one would agree.
   */
  private static void deleteIncoming(Session s, String name, int count) throws MilterException {
    for (int index = count; index >= 1; index--) {
      s.sendPacket(indexedPacket(ResponseCode.SMFIR_CHGHEADER, index, name, ""));
    }
  }

  /** A reply packet of a 32-bit index and NUL-terminated strings, as SMFIR_CHGHEADER carries. */
  private static MilterPacket indexedPacket(ResponseCode code, int index, String... strings) {
    byte[] text = nulTerminated(strings);
    byte[] payload =
        ByteBuffer.allocate(Integer.BYTES + text.length).putInt(index).put(text).array();
    return MilterPacket.builder().command(code).payload(payload).build();
  }

  /** A reply packet of NUL-terminated strings, as SMFIR_ADDHEADER and SMFIR_QUARANTINE carry. */
  private static MilterPacket packet(ResponseCode code, String... strings) {
    return MilterPacket.builder().command(code).payload(nulTerminated(strings)).build();
  }

  private static byte[] nulTerminated(String... strings) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (String str : strings) {
      out.writeBytes(str.getBytes(StandardCharsets.US_ASCII));
      out.write(0);
    }
    return out.toByteArray();
  }
}
