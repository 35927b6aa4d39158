package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The number of messages in Postfix's queues against {@code queue_max_messages}. Postfix has no
 * queue quota of its own: when delivery stalls (a dead content filter, a dead LMTP server) the
 * queue grows until the disk is full, and deferring new mail early keeps what is queued safe.
 *
 * <p>Each run costs Postfix's showq a read of the whole queue (1 s of CPU at 100,000 messages):
 * wire it as {@code MinIntervalProbe.reusingMeasurements(probe, interval)}.
 *
 * <p>Without a limit the probe only counts, for the per-queue gauge, and never fails. Each complete
 * count is handed to {@code counted}; a count cut off by the deadline is not (it is a lower bound,
 * not a level), but it still fails the probe once it passes the limit.
 */
public final class QueueProbe implements Probe {
  private final QueueReader reader;
  private final Duration deadline;
  private final OptionalLong maxMessages;
  private final Consumer<QueueCounts> counted;

  QueueProbe(
      QueueReader reader,
      Duration deadline,
      OptionalLong maxMessages,
      Consumer<QueueCounts> counted) {
    this.reader = reader;
    this.deadline = deadline;
    this.maxMessages = maxMessages;
    this.counted = counted;
  }

  /**
   * Reads with {@code postqueue -j} under {@code deadline}.
   *
   * @param configDirectory Postfix's config directory, empty for the default (or MAIL_CONFIG)
   * @param maxMessages the limit, empty for none (count only)
   * @param counted receives each complete count, e.g. for a gauge per queue
   */
  public static QueueProbe postqueue(
      Optional<Path> configDirectory,
      Duration deadline,
      OptionalLong maxMessages,
      Consumer<QueueCounts> counted) {
    return new QueueProbe(
        PostqueueReader.of(configDirectory, deadline), deadline, maxMessages, counted);
  }

  @Override
  public Check check() {
    return Check.QUEUE;
  }

  @Override
  public String name() {
    return "queue";
  }

  @Override
  public boolean countsOnly() {
    return maxMessages.isEmpty();
  }

  @Override
  public ProbeResult run() throws InterruptedException {
    String limit = maxMessages.isPresent() ? "limit " + maxMessages.getAsLong() : "no limit";
    QueueCounts counts;
    try {
      counts = reader.read();
    } catch (IOException e) {
      return unknown(Double.NaN, "unknown", limit, "postqueue failed", e.getMessage());
    }
    String detail = counts + " (" + reader + ")";
    if (counts.complete()) {
      counted.accept(counts);
    }
    long total = counts.total();
    String measured = (counts.complete() ? "" : "at least ") + messages(total) + " queued";
    if (maxMessages.isPresent() && total > maxMessages.getAsLong()) {
      return ProbeResult.fail(
          this, total, measured, limit, "backlog too large", detail, measured, limit);
    }
    if (!counts.complete()) {
      return unknown(
          total,
          measured,
          limit,
          "postqueue did not finish within " + Units.formatDuration(deadline),
          detail);
    }
    return ProbeResult.pass(this, total, measured, limit, detail);
  }

  /**
   * No level: a failure only when there is a limit to enforce. {@code value} is a count cut off at
   * the deadline (a lower bound), or NaN when postqueue gave none.
   */
  private ProbeResult unknown(
      double value, String measured, String limit, String why, String detail) {
    if (maxMessages.isEmpty()) {
      return ProbeResult.pass(this, value, measured, limit, why + ": " + detail);
    }
    return ProbeResult.fail(this, value, measured, limit, "size unknown", detail, why);
  }

  private static String messages(long n) {
    return n == 1 ? "1 message" : n + " messages";
  }
}
