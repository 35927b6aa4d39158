package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.QueueSettings;
import io.headroom.probe.QueueCounts.Queue;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The verdict over fixed counts; PostqueueReaderTest and QueueProbeIT read real ones. */
class QueueProbeTest {
  private static final Duration DEADLINE = Duration.ofSeconds(4);
  private final List<QueueCounts> published = new ArrayList<>();

  private static QueueCounts counts(long deferred, long active, boolean complete) {
    return new QueueCounts(Map.of(Queue.DEFERRED, deferred, Queue.ACTIVE, active), complete);
  }

  private ProbeResult run(QueueReader reader, OptionalLong max) throws Exception {
    return new QueueProbe(reader, DEADLINE, max, published::add).run();
  }

  @Test
  void backlogAboveTheLimitFailsNamingIt() throws Exception {
    QueueCounts counts = counts(11_990, 10, true);

    ProbeResult r = run(() -> counts, OptionalLong.of(10_000));

    assertFalse(r.healthy());
    assertEquals("queue", r.probe());
    assertEquals("Mail queue backlog too large (12000 messages queued, limit 10000)", r.reason());
    assertEquals("12000 messages queued", r.measured());
    assertEquals("limit 10000", r.limit());
    assertEquals(12_000, r.value());
    assertEquals(
        "maildrop 0, incoming 0, active 10, deferred 11990, hold 0 (fake)",
        r.detail().replaceAll("\\(io\\..*\\)$", "(fake)"));
    assertEquals(List.of(counts), published);
  }

  @Test
  void atTheLimitPasses() throws Exception {
    ProbeResult r = run(() -> counts(10_000, 0, true), OptionalLong.of(10_000));

    assertTrue(r.healthy());
    assertEquals("10000 messages queued", r.measured());
  }

  @Test
  void oneMessageIsSingular() throws Exception {
    assertEquals("1 message queued", run(() -> counts(1, 0, true), OptionalLong.of(10)).measured());
  }

  @Test
  void withoutALimitItOnlyCounts() throws Exception {
    ProbeResult r = run(() -> counts(500_000, 0, true), OptionalLong.empty());

    assertTrue(r.healthy());
    assertEquals("no limit", r.limit());
    assertEquals(1, published.size());
  }

  @Test
  void countCutOffAboveTheLimitFailsAsAtLeastAndIsNotPublished() throws Exception {
    ProbeResult r = run(() -> counts(48_211, 0, false), OptionalLong.of(10_000));

    assertFalse(r.healthy());
    assertEquals(
        "Mail queue backlog too large (at least 48211 messages queued, limit 10000)", r.reason());
    assertTrue(
        r.detail()
            .startsWith(
                "maildrop 0, incoming 0, active 0, deferred 48211, hold 0 (cut off at the deadline)"),
        r.detail());
    assertTrue(published.isEmpty());
  }

  @Test
  void countCutOffBelowTheLimitIsUnknown() throws Exception {
    ProbeResult r = run(() -> counts(2_000, 0, false), OptionalLong.of(10_000));

    assertFalse(r.healthy());
    assertEquals("Mail queue size unknown (postqueue did not finish within 4s)", r.reason());
    assertEquals("at least 2000 messages queued", r.measured());
    assertEquals(2_000, r.value());
  }

  @Test
  void failedReadFailsWithALimit() throws Exception {
    QueueReader broken =
        () -> {
          throw new IOException(
              "postqueue -j exited with 69: postqueue: fatal: Connect to the Postfix showq service: Permission denied");
        };

    ProbeResult r = run(broken, OptionalLong.of(10_000));

    assertFalse(r.healthy());
    assertEquals("Mail queue size unknown (postqueue failed)", r.reason());
    assertEquals(
        "postqueue -j exited with 69: postqueue: fatal: Connect to the Postfix showq service: Permission denied",
        r.detail());
    assertTrue(Double.isNaN(r.value()));
  }

  /**
   * As wired: one postqueue that cannot reach showq (Postfix restarting) is one failure, asked
   * again at the next round, so {@code fail_after} damps it; a count stands for {@code
   * queue_interval}.
   */
  @Test
  void aFailedCountIsAskedAgainNextRoundWhileACountStandsForTheInterval() throws Exception {
    Deque<QueueReader> answers =
        new ArrayDeque<>(
            List.of(
                () -> {
                  throw new IOException("postqueue -j exited with 69: showq: Connection refused");
                },
                () -> counts(20, 0, true),
                () -> counts(40_000, 0, false)));
    long[] now = {0};
    MinIntervalProbe wired =
        new MinIntervalProbe(
            new QueueProbe(
                () -> answers.removeFirst().read(), DEADLINE, OptionalLong.of(10_000), c -> {}),
            Duration.ofSeconds(30),
            MinIntervalProbe.Reuse.MEASUREMENTS,
            () -> now[0]);

    assertEquals("Mail queue size unknown (postqueue failed)", wired.run().reason());
    now[0] += Duration.ofSeconds(2).toNanos();
    assertEquals("20 messages queued", wired.run().measured());
    now[0] += Duration.ofSeconds(2).toNanos();
    assertEquals("20 messages queued", wired.run().measured());
    assertEquals(1, answers.size());
    now[0] += Duration.ofSeconds(30).toNanos();
    ProbeResult cutOff = wired.run();
    now[0] += Duration.ofSeconds(2).toNanos();
    assertSame(cutOff, wired.run());
  }

  /**
   * A round starts the queue check and its five level probes at once, as the health monitor does.
   * While postqueue gives no count (showq unreachable, or refused for want of the postdrop group)
   * each round runs it once: every run is a process and a "fatal" line in Postfix's mail log.
   */
  @Test
  void oneRoundRunsAFailingPostqueueOnce() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    QueueReader refused =
        () -> {
          runs.incrementAndGet();
          Thread.sleep(200);
          throw new IOException(
              "postqueue -j exited with 69: postqueue: fatal: Queue report unavailable");
        };
    List<Probe> wired =
        ProbeFactory.queueProbes(
            new QueueSettings(
                OptionalLong.of(10_000), Duration.ofSeconds(30), DEADLINE, Optional.empty()),
            refused);
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      List<Future<ProbeResult>> round = wired.stream().map(p -> threads.submit(p::run)).toList();
      for (Future<ProbeResult> f : round) {
        f.get(10, TimeUnit.SECONDS);
      }

      assertEquals("Mail queue size unknown (postqueue failed)", round.get(0).get().reason());
      assertEquals(1, runs.get());
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void failedReadPassesWithoutALimit() throws Exception {
    QueueReader broken =
        () -> {
          throw new IOException(
              "Cannot run program \"postqueue\": error=2, No such file or directory");
        };

    ProbeResult r = run(broken, OptionalLong.empty());

    assertTrue(r.healthy());
    assertEquals("unknown", r.measured());
    assertEquals(
        "postqueue failed: Cannot run program \"postqueue\": error=2, No such file or directory",
        r.detail());
  }

  /** The gauge's probes: each queue's level from the count the queue probe just published. */
  @Test
  void eachQueueLevelComesFromTheLatestCompleteCount() throws Exception {
    QueueProbe count =
        new QueueProbe(
            () -> counts(11_990, 10, true), DEADLINE, OptionalLong.empty(), published::add);
    QueueLevelProbe deferred =
        new QueueLevelProbe(
            Queue.DEFERRED,
            count,
            () ->
                published.isEmpty()
                    ? Optional.empty()
                    : Optional.of(published.get(published.size() - 1)));

    ProbeResult r = deferred.run();

    assertTrue(r.healthy());
    assertEquals("queue:deferred", r.probe());
    assertEquals(Measure.QUEUE_MESSAGES, r.measure());
    assertEquals("deferred", r.subject());
    assertEquals(11_990, r.value());
    assertEquals("11990 messages", r.measured());
  }

  @Test
  void aQueueLevelBeforeAnyCompleteCountIsUnknownNotZero() throws Exception {
    QueueProbe count =
        new QueueProbe(() -> counts(5, 0, false), DEADLINE, OptionalLong.empty(), published::add);

    ProbeResult r = new QueueLevelProbe(Queue.HOLD, count, Optional::empty).run();

    assertTrue(r.healthy());
    assertTrue(Double.isNaN(r.value()));
    assertEquals("not counted", r.measured());
  }
}
