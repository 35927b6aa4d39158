package io.headroom.scan;

import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.config.Units;
import io.headroom.metrics.Metrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scanner kind's {@link Conversation} for one message, and its verdict. The verdict is set
 * once, by whichever comes first: the scanner's answer, a failure, the deadline, the size limit.
 * Setting it closes the conversation, so a step waiting on a hung scanner ends at once.
 */
final class Lane {

  private static final Logger log = LoggerFactory.getLogger(Lane.class);

  private final Kind kind;
  private final Conversation conversation;
  private final long startNanos;
  private final String logId;
  private final Metrics metrics;
  private final AtomicBoolean settled = new AtomicBoolean();
  private final CompletableFuture<ScannerVerdict> verdict = new CompletableFuture<>();

  Lane(Kind kind, Conversation conversation, Metrics metrics, long startNanos, String logId) {
    this.kind = kind;
    this.conversation = conversation;
    this.startNanos = startNanos;
    this.logId = logId;
    this.metrics = metrics;
  }

  CompletableFuture<ScannerVerdict> verdict() {
    return verdict;
  }

  /**
   * Completes when the scanner has taken {@code bytes}, or when the lane has a verdict (then the
   * bytes are not needed any more): a step queued behind a blocked one must not hold the caller
   * past the deadline.
   */
  CompletableFuture<Void> write(byte[] bytes) {
    if (settled.get()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> written = conversation.write(bytes);
    written.whenComplete((ignored, failure) -> settleFailed(failure));
    return CompletableFuture.anyOf(written, verdict).handle((ignored, e) -> null);
  }

  /** Sends the message's last bytes (possibly none) and asks for the verdict. */
  void finish(byte[] last) {
    if (!settled.get()) {
      conversation
          .finish(last)
          .whenComplete(
              (v, failure) -> {
                if (failure == null) {
                  settle(v);
                } else {
                  settleFailed(failure);
                }
              });
    }
  }

  /** The message deadline passed. */
  void expire(Duration deadline) {
    String within = " within " + Units.formatDuration(deadline);
    settle(
        conversation
            .connecting()
            .map(
                refusals ->
                    ScannerVerdict.of(
                        kind,
                        ScanResult.UNREACHABLE,
                        Duration.ZERO,
                        "no backend accepted a connection" + within + ": " + refusals))
            .orElseGet(
                () ->
                    ScannerVerdict.of(
                        kind, ScanResult.TIMEOUT, Duration.ZERO, "no answer" + within)));
  }

  /**
   * The message is larger than {@code setting} allows this scanner to see; a no-op once settled.
   */
  void skip(String setting, long maxSize) {
    settle(
        ScannerVerdict.of(
            kind, ScanResult.SKIPPED, Duration.ZERO, "message exceeds " + setting + " " + maxSize));
  }

  Kind kind() {
    return kind;
  }

  /** The transaction ended without a verdict (RSET, QUIT, lost connection): no metric, no log. */
  void abort() {
    if (settled.compareAndSet(false, true)) {
      conversation.close();
      verdict.cancel(false);
    }
  }

  /**
   * Sets the verdict if none is set yet. The socket is closed and the metric recorded before the
   * verdict completes, so whoever waits for the verdict sees them done.
   */
  private void settle(ScannerVerdict v) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    ScannerVerdict timed = v.withTook(Duration.ofNanos(System.nanoTime() - startNanos));
    try {
      conversation.close();
      metrics.scanned(kind, timed.result().word(), timed.took());
      log.debug(
          "{}: {} {} in {}ms: {}",
          logId,
          kind.label(),
          timed.result().word(),
          timed.took().toMillis(),
          timed.detail());
    } finally {
      verdict.complete(timed);
    }
  }

  /** Turns a failed step into the verdict; none when {@code failure} is null. */
  private void settleFailed(Throwable failure) {
    if (failure == null) {
      return;
    }
    Throwable cause = ScanFailure.causeOf(failure);
    // Also reached when the deadline closed the connection under a pending step; the deadline's
    // verdict was set first and this one is then ignored.
    settle(
        cause instanceof ScanFailure f
            ? ScannerVerdict.of(kind, f.result(), Duration.ZERO, f.getMessage())
            : ScannerVerdict.of(kind, ScanResult.ERROR, Duration.ZERO, cause.toString()));
  }
}
