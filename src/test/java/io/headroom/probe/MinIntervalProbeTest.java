package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.headroom.config.Check;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class MinIntervalProbeTest {
  private static final long SECOND = 1_000_000_000L;

  /** Returns the queued results in order and counts its runs. */
  private static final class Scripted implements Probe {
    private final Deque<Boolean> healthy;
    int runs;

    Scripted(Boolean... healthy) {
      this.healthy = new ArrayDeque<>(List.of(healthy));
    }

    @Override
    public Check check() {
      return Check.DNS;
    }

    @Override
    public String name() {
      return "dns_recursion";
    }

    @Override
    public Measure measure() {
      return Measure.CPU_LOAD_PER_CORE;
    }

    @Override
    public String subject() {
      return "subject";
    }

    @Override
    public String noun() {
      return "Recursive DNS";
    }

    @Override
    public ProbeResult run() {
      runs++;
      return healthy.removeFirst()
          ? ProbeResult.pass(this, runs, "answered", "answer within 2s", "run " + runs)
          : ProbeResult.fail(
              this, runs, "SERVFAIL", "answer within 2s", "failing", "run " + runs, "SERVFAIL");
    }
  }

  private long now;

  private MinIntervalProbe probe(Scripted delegate) {
    return new MinIntervalProbe(
        delegate, Duration.ofSeconds(30), MinIntervalProbe.Reuse.PASSES, () -> now);
  }

  @Test
  void passingResultIsReusedUntilTheIntervalHasPassed() throws Exception {
    Scripted delegate = new Scripted(true, true);
    MinIntervalProbe probe = probe(delegate);

    ProbeResult first = probe.run();
    now += 29 * SECOND;
    ProbeResult reused = probe.run();
    now += SECOND;
    ProbeResult second = probe.run();

    assertSame(first, reused);
    assertEquals("run 2", second.detail());
    assertEquals(2, delegate.runs);
    assertEquals("dns_recursion", probe.name());
    assertEquals(Check.DNS, probe.check());
    assertEquals(Measure.CPU_LOAD_PER_CORE, probe.measure());
    assertEquals("subject", probe.subject());
    assertEquals("Recursive DNS", probe.noun());
  }

  @Test
  void failingResultIsMeasuredAgainOnTheNextRound() throws Exception {
    Scripted delegate = new Scripted(false, false, true);
    MinIntervalProbe probe = probe(delegate);

    probe.run();
    now += SECOND;
    ProbeResult confirmed = probe.run();
    now += SECOND;
    ProbeResult recovered = probe.run();

    assertEquals("Recursive DNS failing (SERVFAIL)", confirmed.reason());
    assertEquals("run 3", recovered.detail());
    assertEquals(3, delegate.runs);
  }

  @Test
  void aFailureEndsTheReuseOfTheEarlierPass() throws Exception {
    Scripted delegate = new Scripted(true, false, true);
    MinIntervalProbe probe = probe(delegate);

    probe.run();
    now += 30 * SECOND;
    probe.run(); // fails
    now += SECOND;
    ProbeResult next = probe.run();

    assertEquals("run 3", next.detail());
  }

  @Test
  void reusingMeasurementsKeepsAFailureThatMeasuredForTheInterval() throws Exception {
    Scripted delegate = new Scripted(false, true);
    MinIntervalProbe probe =
        new MinIntervalProbe(
            delegate, Duration.ofSeconds(30), MinIntervalProbe.Reuse.MEASUREMENTS, () -> now);

    ProbeResult first = probe.run();
    now += 29 * SECOND;
    ProbeResult reused = probe.run();
    now += SECOND;
    ProbeResult second = probe.run();

    assertSame(first, reused);
    assertEquals("run 2", second.detail());
    assertEquals(2, delegate.runs);
  }
}
