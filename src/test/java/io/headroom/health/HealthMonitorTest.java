package io.headroom.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.probe.Probe;
import io.headroom.probe.ProbeResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {

  /** A probe whose next result the test decides. */
  private static final class Switch implements Probe {
    final AtomicBoolean healthy = new AtomicBoolean(true);
    private final String name;

    Switch(String name) {
      this.name = name;
    }

    @Override
    public Check check() {
      return Check.DISK;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ProbeResult run() {
      return healthy.get()
          ? ProbeResult.pass(this, 0.5, "50% free", "need 5%", "ok")
          : ProbeResult.fail(this, 0.01, "1% free", "need 5%", "nearly full", "full", "1% free", "need 5%");
    }
  }

  private static HealthMonitor monitor(List<Probe> probes, int failAfter, int recoverAfter, List<HealthListener> l) {
    return new HealthMonitor(probes, check -> Mode.ENFORCE, check -> Stage.RCPT, Duration.ofSeconds(60), Duration.ofMillis(300),
        failAfter, recoverAfter, Clock.systemUTC(), l);
  }

  @Test
  void firstResultCountsAtOnceThenChangesAreDamped() {
    Switch disk = new Switch("disk_space:/");
    disk.healthy.set(false);
    try (HealthMonitor m = monitor(List.of(disk), 2, 3, List.of())) {
      assertFalse(m.runOnce().allEnforcedHealthy(), "a daemon started on a full disk defers at once");
      disk.healthy.set(true);
      assertFalse(m.runOnce().allEnforcedHealthy());
      assertFalse(m.runOnce().allEnforcedHealthy());
      assertTrue(m.runOnce().allEnforcedHealthy(), "healthy after recover_after = 3 passes");
      disk.healthy.set(false);
      assertTrue(m.runOnce().allEnforcedHealthy(), "one failure is not enough");
      disk.healthy.set(true);
      assertTrue(m.runOnce().allEnforcedHealthy(), "the streak resets");
      disk.healthy.set(false);
      m.runOnce();
      assertFalse(m.runOnce().allEnforcedHealthy(), "failing after fail_after = 2 failures");
    }
  }

  @Test
  void aChangeBeingConfirmedIsProbedAgainSoon() {
    Switch disk = new Switch("disk_space:/");
    try (HealthMonitor m = monitor(List.of(disk), 2, 2, List.of())) {
      m.runOnce();
      assertEquals(Duration.ofSeconds(60), m.nextDelay(), "steady: the interval");
      disk.healthy.set(false);
      m.runOnce();
      assertEquals(Duration.ofMillis(500), m.nextDelay(), "a first failure is confirmed within 500ms");
      m.runOnce();
      assertFalse(m.current().allEnforcedHealthy());
      assertEquals(Duration.ofSeconds(60), m.nextDelay(), "confirmed: back to the interval");
    }
  }

  @Test
  void aHungProbeFailsByItsDeadlineAndDoesNotHoldUpTheOthers() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Probe hung = new Probe() {
      @Override public Check check() { return Check.DNS; }
      @Override public String name() { return "dns"; }
      @Override public ProbeResult run() throws InterruptedException {
        release.await();
        return ProbeResult.pass(this, 0, "ok", "", "");
      }
    };
    Switch disk = new Switch("disk_space:/");
    try (HealthMonitor m = monitor(List.of(hung, disk), 1, 1, List.of())) {
      long start = System.nanoTime();
      HealthSnapshot first = m.runOnce();
      assertTrue(System.nanoTime() - start < 2_000_000_000L);
      CheckState dns = first.of(Check.DNS).get(0);
      assertFalse(dns.healthy());
      assertEquals("DNS resolution check did not finish within 300ms", dns.latest().reason());
      assertTrue(first.of(Check.DISK).get(0).healthy());

      start = System.nanoTime();
      HealthSnapshot second = m.runOnce();
      assertTrue(System.nanoTime() - start < 200_000_000L, "the still-hung probe is not waited for again");
      assertFalse(second.of(Check.DNS).get(0).healthy());
      release.countDown();
    }
  }

  @Test
  void listenersSeeEachChange() {
    Switch disk = new Switch("disk_space:/");
    List<String> seen = new ArrayList<>();
    HealthListener l = (prev, cur) -> seen.add(prev.allEnforcedHealthy() + "->" + cur.allEnforcedHealthy());
    try (HealthMonitor m = monitor(List.of(disk), 1, 1, List.of(l))) {
      m.runOnce();
      disk.healthy.set(false);
      m.runOnce();
      assertEquals(List.of("true->true", "true->false"), seen);
    }
  }
}
