package io.headroom.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.probe.Probe;
import io.headroom.probe.ProbeResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {

  /** A probe whose next result the test decides. */
  private static class Switch implements Probe {
    final AtomicBoolean healthy = new AtomicBoolean(true);
    private final String name;

    private final Check check;

    Switch(String name) {
      this(name, Check.DISK);
    }

    Switch(String name, Check check) {
      this.name = name;
      this.check = check;
    }

    @Override
    public Check check() {
      return check;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ProbeResult run() {
      return healthy.get()
          ? ProbeResult.pass(this, 0.5, "50% free", "need 5%", "ok")
          : ProbeResult.fail(
              this, 0.01, "1% free", "need 5%", "nearly full", "full", "1% free", "need 5%");
    }
  }

  /** A probe whose run waits until the test releases it, then passes with {@code measured}. */
  private static class Held extends Switch {
    final CountDownLatch release = new CountDownLatch(1);
    private final String measured;

    Held(Check check, String name, String measured) {
      super(name, check);
      this.measured = measured;
    }

    @Override
    public ProbeResult run() {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ProbeResult.pass(this, 0, measured, "", "");
    }
  }

  /**
   * A probe stuck as in statvfs or a write on a dead NFS mount: deaf to interrupts, it returns only
   * when the test releases it. {@code running} counts its calls in progress.
   */
  private static final class Stuck extends Switch {
    private final String subject;
    private final CountDownLatch release;
    private final AtomicInteger running;

    Stuck(String name, String subject, CountDownLatch release, AtomicInteger running) {
      super(name, Check.SPOOL);
      this.subject = subject;
      this.release = release;
      this.running = running;
    }

    @Override
    public String subject() {
      return subject;
    }

    @Override
    public ProbeResult run() {
      running.incrementAndGet();
      boolean interrupted = false;
      try {
        while (true) {
          try {
            release.await();
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      } finally {
        running.decrementAndGet();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return super.run();
    }
  }

  private static HealthMonitor monitor(
      List<Probe> probes, int failAfter, int recoverAfter, List<HealthListener> l) {
    return monitor(Duration.ofSeconds(60), probes, failAfter, recoverAfter, l);
  }

  private static HealthMonitor monitor(
      Duration interval,
      List<Probe> probes,
      int failAfter,
      int recoverAfter,
      List<HealthListener> l) {
    return monitor(interval, probes, failAfter, recoverAfter, new ProbeCalls(), l);
  }

  private static HealthMonitor monitor(
      Duration interval,
      List<Probe> probes,
      int failAfter,
      int recoverAfter,
      ProbeCalls calls,
      List<HealthListener> l) {
    return new HealthMonitor(
        probes,
        check -> Mode.ENFORCE,
        check -> Stage.RCPT,
        interval,
        Duration.ofMillis(300),
        failAfter,
        recoverAfter,
        calls,
        Clock.systemUTC(),
        l);
  }

  /** The monitor a reload builds: 60s interval, 1/1 damping, the daemon's {@code calls}. */
  private static HealthMonitor reloaded(ProbeCalls calls, Probe... probes) {
    return monitor(Duration.ofSeconds(60), List.of(probes), 1, 1, calls, List.of());
  }

  @Test
  void firstResultCountsAtOnceThenChangesAreDamped() {
    Switch disk = new Switch("disk_space:/");
    disk.healthy.set(false);
    try (HealthMonitor m = monitor(List.of(disk), 2, 3, List.of())) {
      assertFalse(
          m.runOnce().allEnforcedHealthy(), "a daemon started on a full disk defers at once");
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

  /**
   * Each state's duration is its probe's own run. The monitor awaits the probes in turn, and the
   * time until each was awaited charged a slow probe to every probe after it (the duration metric
   * and the Grafana panel showed DNS slow when the spool was).
   */
  @Test
  void aSlowProbeIsNotChargedToTheProbesAwaitedAfterIt() {
    Switch slow =
        new Switch("spool", Check.SPOOL) {
          @Override
          public ProbeResult run() {
            try {
              Thread.sleep(200); // within the monitor's 300 ms deadline
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.run();
          }
        };
    Switch quick = new Switch("dns", Check.DNS);
    try (HealthMonitor m = monitor(List.of(slow, quick), 2, 2, List.of())) {
      HealthSnapshot s = m.runOnce();
      assertTrue(s.of(Check.SPOOL).get(0).took().toMillis() >= 200, s.states().toString());
      assertTrue(s.of(Check.DNS).get(0).took().toMillis() < 100, s.states().toString());
    }
  }

  /**
   * A reload closes the monitor it replaces, maybe mid-round: the probes that round still awaited
   * were published as failing ("dns probe interrupted": a "now failing" line in the log with no
   * "healthy again" after it, and a duration sample for a run that never ended).
   */
  @Test
  void aMonitorClosedMidRoundPublishesNothingOfThatRound() throws Exception {
    CountDownLatch secondRun = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Switch dns =
        new Switch("dns", Check.DNS) {
          @Override
          public boolean confirmsItself() {
            return true;
          }

          @Override
          public ProbeResult run() {
            if (runs.incrementAndGet() > 1) {
              secondRun.countDown();
              try {
                Thread.sleep(200);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return super.run();
          }
        };
    List<String> published = new CopyOnWriteArrayList<>();
    HealthListener recorder =
        (previous, current) ->
            current.states().forEach(s -> published.add(s.healthy() + " " + s.latest().detail()));
    HealthMonitor m = monitor(Duration.ofMillis(20), List.of(dns), 2, 2, List.of(recorder));
    m.runFirst();
    m.start();
    assertTrue(secondRun.await(5, TimeUnit.SECONDS));
    m.close();
    Thread.sleep(300);
    assertEquals(List.of("true ok"), published);
  }

  @Test
  void twoProbesOfOneNameAreRefused() {
    // Keyed by name, the second would never run and would time out in every round.
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                monitor(
                    List.of(new Switch("disk_space:/"), new Switch("disk_space:/")),
                    2,
                    2,
                    List.of()));
    assertEquals("two probes are named disk_space:/", e.getMessage());
  }

  @Test
  void aRecoveryAwaitingConfirmationStandsOnTheFailureItHasNotYetLeft() {
    Switch disk = new Switch("disk_space:/");
    try (HealthMonitor m = monitor(List.of(disk), 2, 2, List.of())) {
      m.runOnce();
      disk.healthy.set(false);
      m.runOnce();
      m.runOnce();
      disk.healthy.set(true);
      CheckState recovering = m.runOnce().states().get(0);
      assertFalse(recovering.healthy(), "one pass of recover_after = 2");
      assertTrue(recovering.latest().healthy(), "the newest result passed");
      assertEquals(
          "Mail spool disk nearly full (1% free, need 5%)",
          recovering.cause().reason(), "what the deferral still says");
      CheckState recovered = m.runOnce().states().get(0);
      assertTrue(recovered.healthy());
      assertSame(recovered.latest(), recovered.cause());
    }
  }

  /**
   * A drain file, a DNS question asked twice: the probe's own result is the decision, both ways.
   */
  @Test
  void aProbeThatConfirmsItselfChangesAtTheNextRound() {
    Switch drain =
        new Switch("drain", Check.DRAIN) {
          @Override
          public boolean confirmsItself() {
            return true;
          }
        };
    try (HealthMonitor m = monitor(List.of(drain), 3, 3, List.of())) {
      assertTrue(m.runOnce().allEnforcedHealthy());
      drain.healthy.set(false);
      assertFalse(m.runOnce().allEnforcedHealthy(), "no fail_after for a drain");
      drain.healthy.set(true);
      assertTrue(m.runOnce().allEnforcedHealthy(), "nor recover_after for its end");
      assertEquals(
          Duration.ofSeconds(60), m.nextDelay(), "nothing waits for confirmation or fails");
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
      assertEquals(
          Duration.ofMillis(500), m.nextDelay(), "a first failure is confirmed within 500ms");
      m.runOnce();
      assertFalse(m.current().allEnforcedHealthy());
      assertEquals(
          Duration.ofSeconds(1), m.nextDelay(), "failing: every second, waiting for recovery");
      disk.healthy.set(true);
      m.runOnce();
      assertEquals(Duration.ofMillis(500), m.nextDelay(), "a first pass is confirmed within 500ms");
      m.runOnce();
      assertTrue(m.current().allEnforcedHealthy());
      assertEquals(Duration.ofSeconds(60), m.nextDelay(), "recovered: back to the interval");
    }
  }

  /** Half the interval while failing, when that is under a second. */
  @Test
  void aFailingCheckIsProbedEveryHalfIntervalAtMostASecond() {
    Switch disk = new Switch("disk_space:/");
    try (HealthMonitor m = monitor(Duration.ofMillis(600), List.of(disk), 1, 1, List.of())) {
      disk.healthy.set(false);
      m.runOnce();
      assertEquals(Duration.ofMillis(300), m.nextDelay());
    }
  }

  @Test
  void aHungProbeFailsByItsDeadlineAndDoesNotHoldUpTheOthers() throws Exception {
    Held hung = new Held(Check.DNS, "dns", "ok");
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
      assertTrue(
          System.nanoTime() - start < 200_000_000L, "the still-hung probe is not waited for again");
      assertFalse(second.of(Check.DNS).get(0).healthy());
      hung.release.countDown();
    }
  }

  /**
   * The round before the milter answers waits for what can defer mail, not for a count for a gauge
   * (postqueue takes a second while Postfix is not running yet, as at boot); status waits.
   */
  @Test
  void theFirstRoundDoesNotWaitForAProbeThatOnlyCounts() throws Exception {
    Held queue =
        new Held(Check.QUEUE, "queue", "7 messages queued") {
          @Override
          public boolean countsOnly() {
            return true;
          }
        };
    Probe slowDisk =
        new Switch("disk_space:/") {
          @Override
          public ProbeResult run() {
            try {
              TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.run();
          }
        };
    try (HealthMonitor m = monitor(List.of(slowDisk, queue), 1, 1, List.of())) {
      long start = System.nanoTime();
      HealthSnapshot first = m.runFirst();
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMillis >= 100 && tookMillis < 300, tookMillis + " ms");
      assertEquals("50% free", first.of(Check.DISK).get(0).latest().measured());
      CheckState counted = first.of(Check.QUEUE).get(0);
      assertTrue(counted.healthy());
      assertEquals("not measured yet", counted.latest().measured());

      queue.release.countDown();
      HealthSnapshot status = m.runOnce();
      assertEquals("7 messages queued", status.of(Check.QUEUE).get(0).latest().measured());
    }
  }

  /**
   * A probe that kills its own child at a deadline longer than probe_timeout (a lookup table's
   * postmap at lookup_timeout) is waited for, so the reply names the table, not a check that did
   * not finish.
   */
  @Test
  void aProbeWithItsOwnLongerDeadlineIsWaitedForAndNamesWhatFailed() {
    Probe postmap =
        new Probe() {
          @Override
          public Check check() {
            return Check.LOOKUP;
          }

          @Override
          public String name() {
            return "lookup:pgsql:/etc/postfix/pgsql.cf";
          }

          @Override
          public String noun() {
            return "Sender directory (PostgreSQL)";
          }

          @Override
          public Optional<Duration> ownDeadline() {
            return Optional.of(Duration.ofMillis(500));
          }

          @Override
          public ProbeResult run() throws InterruptedException {
            Thread.sleep(500);
            return ProbeResult.fail(
                this,
                0,
                "no answer within 500ms",
                "answer within 500ms",
                "unavailable",
                "pgsql:/etc/postfix/pgsql.cf: no answer within 500ms, killed");
          }
        };
    try (HealthMonitor m = monitor(List.of(postmap), 1, 1, List.of())) {
      CheckState lookup = m.runOnce().of(Check.LOOKUP).get(0);

      assertEquals("Sender directory (PostgreSQL) unavailable", lookup.latest().reason());
      assertEquals(
          "pgsql:/etc/postfix/pgsql.cf: no answer within 500ms, killed", lookup.latest().detail());
    }
  }

  @Test
  void listenersSeeEachChange() {
    Switch disk = new Switch("disk_space:/");
    List<String> seen = new ArrayList<>();
    HealthListener l =
        (prev, cur) -> seen.add(prev.allEnforcedHealthy() + "->" + cur.allEnforcedHealthy());
    try (HealthMonitor m = monitor(List.of(disk), 1, 1, List.of(l))) {
      m.runOnce();
      disk.healthy.set(false);
      m.runOnce();
      assertEquals(List.of("true->true", "true->false"), seen);
    }
  }

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    private volatile Instant now = Instant.parse("2026-12-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    /** As a monotonic clock that moves with this one. */
    long nanos() {
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @Test
  void aSnapshotTheScheduleShouldHaveReplacedDefersEveryCheck() {
    ManualClock clock = new ManualClock();
    Switch disk = new Switch("disk_space:/");
    Switch monitored = new Switch("dns", Check.DNS);
    Function<Check, Mode> modes = check -> check == Check.DNS ? Mode.MONITOR : Mode.ENFORCE;
    // Interval 60s, deadline 300ms: stale after 3 x 60s + 300ms.
    try (HealthMonitor m =
        new HealthMonitor(
            List.of(disk, monitored),
            modes,
            check -> Stage.MAIL,
            Duration.ofSeconds(60),
            Duration.ofMillis(300),
            1,
            1,
            new ProbeCalls(),
            clock,
            clock::nanos,
            List.of())) {
      m.runOnce();
      clock.advance(Duration.ofMillis(180_300));
      assertTrue(m.current().allEnforcedHealthy(), "at the bound: still fresh");
      clock.advance(Duration.ofSeconds(9));
      HealthSnapshot stale = m.current();
      assertFalse(stale.allEnforcedHealthy());
      CheckState cause = stale.firstBlockingAt(Stage.MAIL).orElseThrow();
      assertEquals("disk_space:/", cause.probe());
      assertEquals("Health checks stalled (no result for 189s)", cause.latest().reason());
      assertEquals(
          List.of("dns"),
          stale.monitoredAt(Stage.MAIL).stream().map(CheckState::probe).toList(),
          "a check in monitor mode stays in monitor mode");
      m.runOnce();
      assertTrue(m.current().allEnforcedHealthy(), "a fresh round ends it");
    }
  }

  /** NTP may step the wall clock by hours just after a round: that round is still fresh. */
  @Test
  void aWallClockStepIsNotAStall() {
    ManualClock clock = new ManualClock();
    try (HealthMonitor m =
        new HealthMonitor(
            List.of(new Switch("disk_space:/")),
            check -> Mode.ENFORCE,
            check -> Stage.MAIL,
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            1,
            1,
            new ProbeCalls(),
            clock,
            List.of())) {
      m.runOnce();
      clock.advance(Duration.ofHours(1));
      assertTrue(m.current().allEnforcedHealthy(), "the round ran a moment ago: not stalled");
    }
  }

  @Test
  void theScheduleSurvivesAnythingARoundThrows() throws Exception {
    Switch disk = new Switch("disk_space:/");
    CountDownLatch laterRounds = new CountDownLatch(2);
    AtomicBoolean thrown = new AtomicBoolean();
    HealthListener failsOnce =
        (prev, cur) -> {
          if (thrown.compareAndSet(false, true)) {
            throw new AssertionError("a listener's bug, an Error the round does not expect");
          }
          laterRounds.countDown();
        };
    try (HealthMonitor m =
        new HealthMonitor(
            List.of(disk),
            check -> Mode.ENFORCE,
            check -> Stage.RCPT,
            Duration.ofMillis(20),
            Duration.ofMillis(300),
            1,
            1,
            new ProbeCalls(),
            Clock.systemUTC(),
            List.of(failsOnce))) {
      m.start();
      assertTrue(laterRounds.await(5, TimeUnit.SECONDS), "rounds go on after one threw");
    }
  }

  /**
   * A statvfs or write on a dead NFS mount never returns, and closing its monitor cannot interrupt
   * it. Each reload built new probes and started the hung one again: every SIGHUP (an admin's, or
   * config management's every few minutes) left one more thread stuck on the mount. Now there is
   * one call, the check fails every round until it returns, and then runs as before.
   */
  @Test
  void aProbeHungOnADeadMountIsCalledOnceAcrossRoundsAndReloads() throws Exception {
    CountDownLatch mountBack = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    ProbeCalls calls = new ProbeCalls();
    HealthMonitor live = null;
    try {
      for (int reload = 0; reload < 3; reload++) {
        if (live != null) {
          live.close();
        }
        live = reloaded(calls, new Stuck("spool", "/nfs/spool", mountBack, running));
        for (HealthSnapshot s : List.of(live.runFirst(), live.runOnce(), live.runOnce())) {
          assertEquals(
              "Mail spool check did not finish within 300ms",
              s.of(Check.SPOOL).get(0).latest().reason());
        }
      }
      assertEquals(1, running.get(), "calls stuck on the mount after 3 monitors of 3 rounds");

      mountBack.countDown();
      // The stuck call ends on its own thread a moment later; the round after that runs it anew.
      long until = System.nanoTime() + 5_000_000_000L;
      CheckState spool = live.runOnce().of(Check.SPOOL).get(0);
      while (!spool.healthy() && System.nanoTime() < until) {
        Thread.sleep(10);
        spool = live.runOnce().of(Check.SPOOL).get(0);
      }
      assertTrue(spool.healthy(), spool.latest().detail());
    } finally {
      mountBack.countDown();
      if (live != null) {
        live.close();
      }
    }
  }

  /**
   * A reload often lands while the replaced monitor's round is still running its probes: a call
   * that has not reached its deadline is waited for, not taken for hung (that would fail the new
   * monitor's first round, which counts at once, and defer mail for nothing).
   */
  @Test
  void aReloadWaitsForACallTheReplacedMonitorHasInProgress() throws Exception {
    CountDownLatch begun = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Probe slow =
        new Switch("spool", Check.SPOOL) {
          @Override
          public ProbeResult run() {
            runs.incrementAndGet();
            begun.countDown();
            try {
              Thread.sleep(150); // within the 300 ms deadline
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.run();
          }
        };
    ProbeCalls calls = new ProbeCalls();
    try (HealthMonitor old = reloaded(calls, slow);
        HealthMonitor fresh = reloaded(calls, slow)) {
      Thread oldRound = new Thread(old::runOnce);
      oldRound.start();
      assertTrue(begun.await(5, TimeUnit.SECONDS));
      CheckState spool = fresh.runFirst().of(Check.SPOOL).get(0);
      assertTrue(spool.healthy(), spool.latest().reason());
      assertEquals(1, runs.get());
      oldRound.join();
    }
  }

  /**
   * The spool probe is named {@code spool} wherever it writes: a reload that moves it off the dead
   * mount runs it at the new place at once, whatever is still stuck on the old one.
   */
  @Test
  void aReloadThatMovesAHungProbeRunsItAtTheNewPlace() {
    CountDownLatch mountBack = new CountDownLatch(1);
    ProbeCalls calls = new ProbeCalls();
    try (HealthMonitor onNfs =
        reloaded(calls, new Stuck("spool", "/nfs/spool", mountBack, new AtomicInteger()))) {
      assertFalse(onNfs.runFirst().of(Check.SPOOL).get(0).healthy());
    }
    try (HealthMonitor moved =
        reloaded(
            calls,
            new Switch("spool", Check.SPOOL) {
              @Override
              public String subject() {
                return "/var/spool/postfix/headroom-milter";
              }
            })) {
      CheckState spool = moved.runFirst().of(Check.SPOOL).get(0);
      assertTrue(spool.healthy(), spool.latest().reason());
    } finally {
      mountBack.countDown();
    }
  }
}
