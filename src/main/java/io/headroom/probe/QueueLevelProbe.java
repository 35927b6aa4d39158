package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.probe.QueueCounts.Queue;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One queue's level, for the gauge {@code headroom_queue_messages{queue}}: taken from the queue
 * check's latest complete count, never from a count of its own. It never fails; the limit is on the
 * total ({@link QueueProbe}).
 */
final class QueueLevelProbe implements Probe {
  private final Queue queue;
  private final Probe count;
  private final Supplier<Optional<QueueCounts>> latest;

  /**
   * @param count the queue check's probe, which counts at most once per {@code queue_interval}: run
   *     first, so this round's level is the one the count just read
   * @param latest the last complete count it handed on
   */
  QueueLevelProbe(Queue queue, Probe count, Supplier<Optional<QueueCounts>> latest) {
    this.queue = queue;
    this.count = count;
    this.latest = latest;
  }

  @Override
  public Check check() {
    return count.check();
  }

  @Override
  public String name() {
    return count.name() + ":" + queue.label();
  }

  @Override
  public Measure measure() {
    return Measure.QUEUE_MESSAGES;
  }

  @Override
  public String subject() {
    return queue.label();
  }

  @Override
  public boolean countsOnly() {
    return true;
  }

  @Override
  public ProbeResult run() throws Exception {
    count.run();
    Optional<QueueCounts> counts = latest.get();
    if (counts.isEmpty()) {
      return ProbeResult.pass(
          this, Double.NaN, "not counted", "", "no complete count of the queue yet");
    }
    long n = counts.get().count(queue);
    return ProbeResult.pass(
        this, n, n == 1 ? "1 message" : n + " messages", "", counts.get().toString());
  }
}
