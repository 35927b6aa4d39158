package io.headroom.health;

import io.headroom.config.Mode;
import io.headroom.probe.Probe;
import io.headroom.probe.ProbeResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every probe each interval, each under its own deadline, and publishes one immutable
 * {@link HealthSnapshot}. A probe still hung from an earlier round is not started again (threads
 * would pile up behind a dead NFS mount); it keeps counting as timed out until it returns.
 */
public final class HealthMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private static final Duration MAX_CONFIRM_DELAY = Duration.ofMillis(500);

  private final List<Probe> probes;
  private final Function<Probe, Mode> modes;
  private final Duration interval;
  private final Duration deadline;
  private final Clock clock;
  private final List<HealthListener> listeners;
  private final Map<String, Damper> dampers = new HashMap<>();
  private final Map<String, Future<ProbeResult>> inFlight = new HashMap<>();
  private final ExecutorService probeThreads;
  private final ScheduledExecutorService scheduler;
  private volatile HealthSnapshot current = HealthSnapshot.EMPTY;

  public HealthMonitor(
      List<Probe> probes,
      Function<Probe, Mode> modes,
      Duration interval,
      Duration deadline,
      int failAfter,
      int recoverAfter,
      Clock clock,
      List<HealthListener> listeners) {
    this.probes = List.copyOf(probes);
    this.modes = modes;
    this.interval = interval;
    this.deadline = deadline;
    this.clock = clock;
    this.listeners = List.copyOf(listeners);
    for (Probe p : probes) {
      dampers.put(p.name(), new Damper(failAfter, recoverAfter));
    }
    this.probeThreads = Executors.newCachedThreadPool(daemonThreads("headroom-probe"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("headroom-health"));
  }

  /** The latest snapshot; what the message path reads. */
  public HealthSnapshot current() {
    return current;
  }

  /** Runs one round now, on the caller's thread; used at start-up so the first answer is informed. */
  public synchronized HealthSnapshot runOnce() {
    Map<Probe, Future<ProbeResult>> started = new LinkedHashMap<>();
    for (Probe p : probes) {
      Future<ProbeResult> previous = inFlight.get(p.name());
      // A probe hung since an earlier round is neither started again nor waited for: it counts
      // as timed out at once, so the other checks stay fresh.
      if (previous == null || previous.isDone()) {
        Future<ProbeResult> future = probeThreads.submit(p::run);
        started.put(p, future);
        inFlight.put(p.name(), future);
      }
    }
    long start = System.nanoTime();
    long end = start + deadline.toNanos();
    List<CheckState> states = new ArrayList<>(probes.size());
    for (Probe p : probes) {
      Future<ProbeResult> future = started.get(p);
      ProbeResult result = future == null ? timedOut(p) : await(p, future, end);
      states.add(damp(p, result, Duration.ofNanos(System.nanoTime() - start)));
    }
    HealthSnapshot previous = current;
    current = new HealthSnapshot(clock.instant(), states);
    for (HealthListener listener : listeners) {
      try {
        listener.updated(previous, current);
      } catch (RuntimeException ex) {
        log.error("health listener failed", ex);
      }
    }
    return current;
  }

  /** Starts the schedule; the first round runs after one interval (call {@link #runOnce()} first). */
  public void start() {
    scheduler.schedule(this::round, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void round() {
    try {
      runOnce();
    } catch (RuntimeException | Error ex) {
      // The schedule must survive anything one round throws, or the gate freezes on old data.
      log.error("health round failed", ex);
    }
    scheduler.schedule(this::round, nextDelay().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * A change waiting for confirmation (fail_after, recover_after) is re-probed soon, not a whole
   * interval later: damping then filters one-off blips without delaying a real change by several
   * intervals.
   */
  synchronized Duration nextDelay() {
    boolean confirming = dampers.values().stream().anyMatch(Damper::confirming);
    Duration quarter = interval.dividedBy(4);
    Duration confirm = quarter.compareTo(MAX_CONFIRM_DELAY) < 0 ? quarter : MAX_CONFIRM_DELAY;
    return confirming ? confirm : interval;
  }

  private ProbeResult await(Probe p, Future<ProbeResult> future, long endNanos) {
    try {
      long left = Math.max(0, endNanos - System.nanoTime());
      return future.get(left, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return timedOut(p);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return ProbeResult.fail(p, Double.NaN, "error", "", describe(p) + " check failed",
          p.name() + " probe failed: " + cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ProbeResult.fail(p, Double.NaN, "interrupted", "", describe(p) + " check failed",
          p.name() + " probe interrupted");
    }
  }

  private ProbeResult timedOut(Probe p) {
    return ProbeResult.fail(p, Double.NaN, "no result", "within " + formatDeadline(),
        describe(p) + " check did not finish within " + formatDeadline(),
        p.name() + " probe still running after " + deadline.toMillis() + "ms");
  }

  private String formatDeadline() {
    return io.headroom.config.Units.formatDuration(deadline);
  }

  private static String describe(Probe p) {
    return switch (p.check()) {
      case DISK -> "Mail spool disk";
      case MEMORY -> "Memory";
      case CPU -> "CPU load";
      case SPOOL -> "Mail spool write";
      case DNS -> "DNS";
      case SCAN -> "Content scanner";
      case LOOKUP -> "Lookup table";
      case POLICY -> "Policy service";
    };
  }

  private CheckState damp(Probe p, ProbeResult result, Duration took) {
    Damper damper = dampers.get(p.name());
    CheckState old = current.states().stream().filter(s -> s.probe().equals(p.name())).findFirst().orElse(null);
    boolean healthy = damper.accept(result.healthy());
    Instant changed = old == null || old.healthy() != healthy ? clock.instant() : old.since();
    return new CheckState(result, healthy, modes.apply(p), took, changed);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    probeThreads.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
