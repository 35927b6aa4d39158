package io.headroom.health;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.config.Units;
import io.headroom.probe.LookupBackends;
import io.headroom.probe.Probe;
import io.headroom.probe.ProbeFactory;
import io.headroom.probe.ProbeResult;
import io.headroom.util.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every probe each interval, each under its own deadline, and publishes one immutable {@link
 * HealthSnapshot}. A probe still hung from an earlier round, or from the monitor a reload replaced,
 * is not started again (threads would pile up behind a dead NFS mount): it keeps counting as timed
 * out until it returns.
 *
 * <p>A snapshot older than {@link #STALE_AFTER_INTERVALS} intervals plus one deadline is never
 * served as it is: whatever stopped the schedule, every check then counts as failing.
 */
public final class HealthMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private static final Duration MAX_CONFIRM_DELAY = Duration.ofMillis(500);

  private static final Duration MAX_FAILING_DELAY = Duration.ofSeconds(1);

  /**
   * How long a probe with its own deadline may take beyond it: a kill and the reap of the child.
   */
  static final Duration OWN_DEADLINE_GRACE = Duration.ofSeconds(1);

  static final int STALE_AFTER_INTERVALS = 3;

  private final List<Probe> probes;
  private final Function<Check, Mode> modes;
  private final Function<Check, Stage> stages;
  private final Duration interval;
  private final Duration deadline;
  private final long staleAfterMillis;
  private final Clock clock;
  private final List<HealthListener> listeners;
  private final Map<String, Damper> dampers = new HashMap<>();
  private final ProbeCalls calls;
  private final ExecutorService probeThreads;
  private final ScheduledExecutorService scheduler;

  /**
   * The latest snapshot and when it was taken on the monotonic clock: its age must not move with
   * the wall clock, which NTP may step by hours at boot (a fresh round would read as stalled, or a
   * stalled schedule as fresh).
   */
  private record Latest(HealthSnapshot snapshot, long takenNanos) {}

  private final LongSupplier nanoTime;
  private volatile Latest latest = new Latest(HealthSnapshot.EMPTY, 0);

  /**
   * Set by {@link #close()}: a round it interrupts turns every probe it still awaits into a failure
   * ("probe interrupted"), which is about the close, not the checks, and is not published.
   */
  private volatile boolean closed;

  /**
   * @param modes how each check's failure is acted on
   * @param stages the SMTP stage at which each check's failure is answered
   * @param calls the probe calls in progress, shared with the monitors before and after this one
   * @param clock the wall clock, for the times snapshots and states show
   */
  public HealthMonitor(
      List<Probe> probes,
      Function<Check, Mode> modes,
      Function<Check, Stage> stages,
      Duration interval,
      Duration deadline,
      int failAfter,
      int recoverAfter,
      ProbeCalls calls,
      Clock clock,
      List<HealthListener> listeners) {
    this(
        probes,
        modes,
        stages,
        interval,
        deadline,
        failAfter,
        recoverAfter,
        calls,
        clock,
        System::nanoTime,
        listeners);
  }

  /** As the public constructor, with the monotonic clock that ages snapshots given (tests). */
  HealthMonitor(
      List<Probe> probes,
      Function<Check, Mode> modes,
      Function<Check, Stage> stages,
      Duration interval,
      Duration deadline,
      int failAfter,
      int recoverAfter,
      ProbeCalls calls,
      Clock clock,
      LongSupplier nanoTime,
      List<HealthListener> listeners) {
    this.nanoTime = nanoTime;
    this.calls = calls;
    this.probes = List.copyOf(probes);
    this.modes = modes;
    this.stages = stages;
    this.interval = interval;
    this.deadline = deadline;
    Duration longest = probes.stream().map(this::waitFor).max(Duration::compareTo).orElse(deadline);
    this.staleAfterMillis = interval.multipliedBy(STALE_AFTER_INTERVALS).plus(longest).toMillis();
    this.clock = clock;
    this.listeners = List.copyOf(listeners);
    for (Probe p : probes) {
      Damper damper = p.confirmsItself() ? new Damper(1, 1) : new Damper(failAfter, recoverAfter);
      // Rounds, dampers and states are keyed by name: a second probe of one name would never run
      // (the first one's run counts as its own) and would time out in every round.
      if (dampers.putIfAbsent(p.name(), damper) != null) {
        throw new IllegalArgumentException("two probes are named " + p.name());
      }
    }
    this.probeThreads = Executors.newCachedThreadPool(new DaemonThreads("headroom-probe"));
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(new DaemonThreads("headroom-health"));
  }

  /**
   * Every probe a configuration asks for, under a monitor that is not started yet.
   *
   * @param backends the lookup tables and policy services found for {@code config}
   * @param calls the probe calls in progress, shared with the monitors before and after this one
   */
  public static HealthMonitor forConfig(
      Config config,
      LookupBackends backends,
      ProbeCalls calls,
      Clock clock,
      List<HealthListener> listeners) {
    return new HealthMonitor(
        ProbeFactory.fromConfig(config, backends),
        config::mode,
        config::stage,
        config.probeInterval(),
        config.probeTimeout(),
        config.failAfter(),
        config.recoverAfter(),
        calls,
        clock,
        listeners);
  }

  /** The stages at which some probe's check answers: the events the milter must ask Postfix for. */
  public Set<Stage> stagesInUse() {
    Set<Stage> used = EnumSet.noneOf(Stage.class);
    probes.forEach(p -> used.add(stages.apply(p.check())));
    return used;
  }

  /**
   * The latest snapshot; what the message path reads. One that the schedule should long have
   * replaced comes back with every check failing ("health checks stalled").
   */
  public HealthSnapshot current() {
    Latest l = latest;
    long age = (nanoTime.getAsLong() - l.takenNanos()) / 1_000_000;
    if (age <= staleAfterMillis || l.snapshot() == HealthSnapshot.EMPTY) {
      return l.snapshot();
    }
    return l.snapshot().stalled(Duration.ofMillis(age), clock.instant());
  }

  /** Runs one round now, on the caller's thread, waiting for every probe: what status shows. */
  public HealthSnapshot runOnce() {
    return round(true);
  }

  /**
   * The round before the milter answers (start, reload), so the first answer is informed. It waits
   * for every probe an answer depends on, not for one that only counts: postqueue takes a second
   * while Postfix is not running yet, as at boot, where the unit starts before Postfix. That probe
   * stands as not measured until a later round has its result.
   */
  public HealthSnapshot runFirst() {
    return round(false);
  }

  private synchronized HealthSnapshot round(boolean waitForCounts) {
    Map<Probe, ProbeCalls.Call> started = new LinkedHashMap<>();
    for (Probe p : probes) {
      started.put(p, calls.inProgressOrStart(p, probeThreads));
    }
    Map<String, CheckState> before = new HashMap<>();
    latest.snapshot().states().forEach(s -> before.put(s.probe(), s));
    List<CheckState> states = new ArrayList<>(probes.size());
    for (Probe p : probes) {
      ProbeCalls.Call call = started.get(p);
      Run run;
      if (!waitForCounts && p.countsOnly() && !call.run().isDone()) {
        run =
            new Run(
                ProbeResult.pass(
                    p, Double.NaN, "not measured yet", "", "first measurement running"),
                Duration.ZERO);
      } else {
        run = await(p, call);
      }
      states.add(damp(p, before.get(p.name()), run.result(), run.took()));
    }
    HealthSnapshot previous = latest.snapshot();
    if (closed) {
      return previous;
    }
    HealthSnapshot next = new HealthSnapshot(clock.instant(), states);
    latest = new Latest(next, nanoTime.getAsLong());
    for (HealthListener listener : listeners) {
      try {
        listener.updated(previous, next);
      } catch (RuntimeException ex) {
        log.error("health listener failed", ex);
      }
    }
    return next;
  }

  /**
   * Starts the schedule; the first round runs after one interval (call {@link #runFirst()} first).
   */
  public void start() {
    scheduler.schedule(this::scheduledRound, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void scheduledRound() {
    try {
      runOnce();
    } catch (RuntimeException | Error ex) {
      // The schedule must survive anything one round throws, or the gate freezes on old data
      // (and then defers everything as stalled: safe, but for no reason an admin can fix).
      log.error("health round failed", ex);
    } finally {
      scheduleNext();
    }
  }

  private void scheduleNext() {
    try {
      scheduler.schedule(this::scheduledRound, nextDelay().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // close() shut the scheduler down: this monitor is retired.
    }
  }

  /**
   * A change waiting for confirmation (fail_after, recover_after) is re-probed soon, not a whole
   * interval later: damping then filters one-off blips without delaying a real change by several
   * intervals. While a check is failing, rounds come twice as often: mail waits on its recovery,
   * and a round costs milliseconds.
   */
  synchronized Duration nextDelay() {
    if (dampers.values().stream().anyMatch(Damper::confirming)) {
      return atMost(interval.dividedBy(4), MAX_CONFIRM_DELAY);
    }
    if (dampers.values().stream().anyMatch(Damper::failing)) {
      return atMost(interval.dividedBy(2), MAX_FAILING_DELAY);
    }
    return interval;
  }

  private static Duration atMost(Duration delay, Duration bound) {
    return delay.compareTo(bound) < 0 ? delay : bound;
  }

  /**
   * The probe's run, or what stands for it when it is not done by its deadline from the call's
   * start. A call still hung from an earlier round (or an earlier monitor) is past its deadline, so
   * it counts as timed out at once and the round does not wait for it again; a call the replaced
   * monitor started a moment before a reload is waited for, not taken for hung.
   */
  private Run await(Probe p, ProbeCalls.Call call) {
    long start = call.startedNanos();
    try {
      long left = Math.max(0, start + waitFor(p).toNanos() - System.nanoTime());
      return call.run().get(left, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return new Run(timedOut(p), waitFor(p));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return new Run(
          ProbeResult.fail(
              p, Double.NaN, "error", "", "check failed", p.name() + " probe failed: " + cause),
          Duration.ofNanos(System.nanoTime() - start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Run(
          ProbeResult.fail(
              p, Double.NaN, "interrupted", "", "check failed", p.name() + " probe interrupted"),
          Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * A probe's result and how long its own run took, timed on its thread: the monitor awaits the
   * probes one after another, so the time until each is awaited would charge a slow probe's time to
   * every probe after it.
   */
  record Run(ProbeResult result, Duration took) {
    static Run of(Probe p) throws Exception {
      long begun = System.nanoTime();
      ProbeResult result = p.run();
      return new Run(result, Duration.ofNanos(System.nanoTime() - begun));
    }
  }

  private ProbeResult timedOut(Probe p) {
    Duration waited = waitFor(p);
    String within = "within " + Units.formatDuration(waited);
    return ProbeResult.fail(
        p,
        Double.NaN,
        "no result",
        within,
        "check did not finish " + within,
        p.name() + " probe still running after " + waited.toMillis() + "ms");
  }

  /**
   * probe_timeout, or a probe's own longer deadline plus a grace: a lookup table's postmap is
   * killed at lookup_timeout, and its result ("no answer within 5s") says more than the monitor
   * giving up.
   */
  private Duration waitFor(Probe p) {
    return p.ownDeadline()
        .map(own -> own.plus(OWN_DEADLINE_GRACE))
        .filter(own -> own.compareTo(deadline) > 0)
        .orElse(deadline);
  }

  /**
   * @param old the probe's state in the snapshot before, null for its first result
   */
  private CheckState damp(Probe p, CheckState old, ProbeResult result, Duration took) {
    Damper damper = dampers.get(p.name());
    boolean healthy = damper.accept(result.healthy());
    Instant changed = old == null || old.healthy() != healthy ? clock.instant() : old.since();
    // A result the damper has not yet followed leaves the state standing on the one before it.
    ProbeResult cause = result.healthy() == healthy || old == null ? result : old.cause();
    return new CheckState(
        result, healthy, modes.apply(p.check()), stages.apply(p.check()), took, changed, cause);
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    probeThreads.shutdownNow();
  }
}
