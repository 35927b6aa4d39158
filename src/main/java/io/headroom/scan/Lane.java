package io.headroom.scan;

import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.config.Units;
import io.headroom.metrics.Metrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Conversation}'s blocking steps in order on the scan executor, and holds its
 * verdict. The verdict is set once, by whichever comes first: the scanner's answer, a failure, the
 * deadline, the size limit. Setting it releases the conversation, so a step blocked on a hung
 * scanner returns at once.
 */
final class Lane {

  private static final Logger log = LoggerFactory.getLogger(Lane.class);

  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  private final Kind kind;
  private final Conversation conversation;
  private final Executor io;
  private final long startNanos;
  private final String logId;
  private final Metrics metrics;
  private final AtomicBoolean settled = new AtomicBoolean();
  private final CompletableFuture<ScannerVerdict> verdict = new CompletableFuture<>();
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null); // guarded by this

  Lane(
      Kind kind,
      Conversation conversation,
      Executor io,
      Metrics metrics,
      long startNanos,
      String logId) {
    this.kind = kind;
    this.conversation = conversation;
    this.io = io;
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
    return step(() -> conversation.write(bytes));
  }

  /** Sends the message's last bytes (possibly none) and asks for the verdict, in one step. */
  void finish(byte[] last) {
    step(() -> settle(conversation.finish(last)));
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

  private synchronized CompletableFuture<Void> step(Step step) {
    if (settled.get()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> next = tail.thenRunAsync(() -> run(step), io);
    next.whenComplete(
        (ignored, rejected) -> {
          if (rejected != null) {
            settle(
                ScannerVerdict.of(
                    kind, ScanResult.ERROR, Duration.ZERO, "scan executor refused: " + rejected));
          }
        });
    tail = next;
    return CompletableFuture.anyOf(next, verdict).handle((ignored, e) -> null);
  }

  private void run(Step step) {
    if (settled.get()) {
      return;
    }
    try {
      step.run();
    } catch (ScanFailure f) {
      settle(ScannerVerdict.of(kind, f.result(), Duration.ZERO, f.getMessage()));
    } catch (Exception e) {
      // Also reached when the deadline closed the socket under a blocked step; the deadline's
      // verdict was set first and this one is then ignored.
      settle(ScannerVerdict.of(kind, ScanResult.ERROR, Duration.ZERO, e.toString()));
    }
  }
}
