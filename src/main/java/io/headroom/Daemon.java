package io.headroom;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigParser;
import io.headroom.config.HostPort;
import io.headroom.config.Mode;
import io.headroom.config.ParsedConfig;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.Units;
import io.headroom.health.HealthListener;
import io.headroom.health.HealthMonitor;
import io.headroom.health.HealthSnapshot;
import io.headroom.health.ProbeCalls;
import io.headroom.health.StateChangeLog;
import io.headroom.metrics.MetricsHttpServer;
import io.headroom.metrics.MicrometerMetrics;
import io.headroom.milter.MilterHandlers;
import io.headroom.ops.Signals;
import io.headroom.ops.SystemdNotifier;
import io.headroom.probe.LookupBackends;
import io.headroom.reply.Reason;
import io.headroom.scan.ScanResult;
import io.headroom.scan.ScanService;
import io.headroom.transport.MemoryBudget;
import io.headroom.transport.MilterServer;
import io.headroom.transport.ProtocolError;
import io.headroom.transport.SessionLoop;
import io.headroom.util.DaemonThreads;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.nightcode.milter.MilterHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running daemon: wires config, probes, health, milter and metrics; TERM drains and exits 0,
 * HUP reloads the configuration and keeps the old one if the new file is invalid.
 */
final class Daemon {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /**
   * A /health answer while the milter's event loop is this late is "deferring", whatever the checks
   * say.
   */
  private static final Duration LOOP_STALL_LIMIT = Duration.ofSeconds(2);

  /** How often a retired scan service looks whether its last session has closed. */
  private static final long RETIRE_CHECK_MILLIS = 1000;

  private final MicrometerMetrics metrics;

  /**
   * What the milter connections' partial packets may hold in memory, all together: half the heap.
   */
  private final MemoryBudget packets = MemoryBudget.forHeap();

  /**
   * What the scans in flight may hold, all together: a quarter of the heap (64 MiB, 256 scans,
   * under the unit's -Xmx256m). Apart from the packets' budget, so that scans can never take the
   * memory a connection needs to finish the packet it is receiving: a message beyond it is answered
   * 451 busy, never reset.
   */
  private final MemoryBudget scans = new MemoryBudget(Runtime.getRuntime().maxMemory() / 4);

  /** Serves the milter sessions and the clamd sessions their scans use. */
  private final SessionLoop loop = SessionLoop.start();

  /**
   * The configuration the sockets were bound with, at start. A reload cannot rebind them, so a
   * reloaded file is compared with this one, not with the file read before it.
   */
  private final Config bound;

  private volatile MilterServer server;
  private final SystemdNotifier notifier = SystemdNotifier.fromEnvironment();
  private volatile ScanService scanner;
  private volatile Config config;
  private volatile HealthMonitor monitor;
  private volatile MilterHandler handler;

  /**
   * Outlives each monitor: a probe hung on a dead mount when a reload replaces its monitor is not
   * started again by the new one, so SIGHUPs do not pile up stuck threads.
   */
  private final ProbeCalls probeCalls = new ProbeCalls();

  private Daemon(Config config) {
    this.config = config;
    this.bound = config;
    this.metrics =
        new MicrometerMetrics(
            this::health,
            new MicrometerMetrics.Labels(
                BuildInfo.version(),
                ProtocolError.labels(),
                Arrays.stream(ScanResult.values()).map(ScanResult::word).toList()));
  }

  static int run(ParsedConfig parsed) {
    warn(parsed);
    return new Daemon(parsed.config()).serve();
  }

  /** What --check-config prints as warnings: values that work but were probably not meant. */
  private static void warn(ParsedConfig parsed) {
    parsed.warnings().forEach(w -> log.warn("config: {}", w));
  }

  /** The scanner's ping check (named after its kind) is failing, after damping. */
  private static boolean declaredDown(HealthSnapshot snapshot, ScannerEndpoint.Kind kind) {
    return snapshot.states().stream().anyMatch(s -> s.probe().equals(kind.label()) && !s.healthy());
  }

  private static boolean scans(Config config) {
    return config.scan().enabled() && config.mode(Check.SCAN) != Mode.OFF;
  }

  private HealthSnapshot health() {
    HealthMonitor m = monitor;
    return m == null ? HealthSnapshot.EMPTY : m.current();
  }

  /**
   * What /health serves: the checks, unless the milter's event loop has stopped keeping time, in
   * which case no session is being answered and every check reads as failing.
   */
  private HealthSnapshot servedHealth() {
    MilterServer s = server;
    return served(health(), s == null ? Duration.ZERO : s.loopStalledFor(), Instant.now());
  }

  static HealthSnapshot served(HealthSnapshot snapshot, Duration loopStalledFor, Instant now) {
    if (loopStalledFor.compareTo(LOOP_STALL_LIMIT) <= 0) {
      return snapshot;
    }
    return snapshot.allFailing(
        Reason.of(
            "Mail filter", "event loop stalled", "for " + Units.formatDuration(loopStalledFor)),
        "the milter's event loop has not run for " + loopStalledFor.toMillis() + "ms",
        now);
  }

  /** WATCHDOG=1 only while the event loop keeps time: a wedged loop lets systemd restart us. */
  private void petWatchdog(Duration every) {
    MilterServer s = server;
    if (s != null && s.loopStalledFor().compareTo(every) < 0) {
      notifier.watchdog();
    } else if (s != null) {
      log.error(
          "event loop stalled for {}: not telling systemd's watchdog we are alive",
          Units.formatDuration(s.loopStalledFor()));
    }
  }

  private int serve() {
    log.info(
        "starting headroom-milter {} with {}: {}",
        BuildInfo.version(),
        config.describeSource(),
        describe(config));
    LinkedBlockingQueue<String> signals = new LinkedBlockingQueue<>();
    Signals.handle("TERM", () -> signals.add("TERM"));
    Signals.handleUnlessIgnored("INT", () -> signals.add("TERM"));
    if (Signals.handle("HUP", () -> signals.add("HUP"))) {
      log.info(
          "SIGHUP was ignored when the daemon started (nohup?); it reloads the configuration all the same");
    }
    apply(config);
    MetricsHttpServer http = null;
    try {
      if (config.metricsListen().isPresent()) {
        http = MetricsHttpServer.start(config.metricsListen().get(), metrics, this::servedHealth);
        log.info("metrics on http://{}/metrics", HostPort.format(config.metricsListen().get()));
      }
      server =
          MilterServer.start(
              config.listen(), () -> handler, () -> config.sessions(), metrics, packets, loop);
    } catch (IOException | RuntimeException e) {
      log.error("cannot start: {}", e.toString());
      close(http);
      monitor.close();
      close(scanner);
      loop.close();
      return Main.EXIT_FAILING;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.EXIT_FAILING;
    }
    log.info("listening on {} ({})", config.listen(), server.localAddress());
    notifier.ready("listening on " + config.listen() + ", config " + config.describeSource());
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(new DaemonThreads("headroom-watchdog"));
    notifier
        .watchdogInterval()
        .ifPresent(
            every ->
                watchdog.scheduleAtFixedRate(
                    () -> petWatchdog(every), 0, every.toMillis(), TimeUnit.MILLISECONDS));
    try {
      for (String signal = signals.take(); !signal.equals("TERM"); signal = signals.take()) {
        // HUPs sent meanwhile make one reload, and a TERM among them stops now: queued one after
        // another, reloads (each a first round of probes) could outlast the unit's stop timeout.
        List<String> meanwhile = new ArrayList<>();
        signals.drainTo(meanwhile);
        if (meanwhile.contains("TERM")) {
          break;
        }
        notifier.reloading();
        notifier.ready(reload());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    notifier.stopping(
        "stopping: draining " + server.activeSessions() + " sessions",
        config.sessions().shutdownTimeout());
    log.info(
        "stopping: no new sessions, waiting up to {} for {} in flight",
        Units.formatDuration(config.sessions().shutdownTimeout()),
        server.activeSessions());
    server.drain(config.sessions().shutdownTimeout());
    watchdog.shutdownNow();
    close(scanner);
    loop.close();
    close(http);
    monitor.close();
    log.info("stopped");
    return Main.EXIT_OK;
  }

  /**
   * Makes {@code next} the running configuration: new probes with their first round done, a new
   * scan service and handler, swapped in only once all of them were built. If building fails, what
   * was built is closed and the running configuration stays as it was.
   */
  private void apply(Config next) {
    LookupBackends backends = LookupBackends.find(next);
    backends.warnings().forEach(w -> log.warn("{}", w));
    List<HealthListener> listeners = new ArrayList<>(List.of(new StateChangeLog(), metrics));
    HealthMonitor fresh =
        HealthMonitor.forConfig(next, backends, probeCalls, Clock.systemUTC(), listeners);
    Supplier<HealthSnapshot> health = healthOf(fresh, next);
    ScanService freshScanner = null;
    MilterHandler freshHandler;
    try {
      fresh.runFirst();
      freshScanner =
          scans(next)
              ? new ScanService(
                  next.scan(),
                  metrics,
                  Path.of(System.getProperty("java.io.tmpdir")),
                  ScanService.DEFAULT_IO_THREADS,
                  kind -> declaredDown(health.get(), kind),
                  loop)
              : null;
      freshHandler =
          MilterHandlers.forConfig(
              next, fresh.stagesInUse(), health, metrics, Optional.ofNullable(freshScanner), scans);
    } catch (RuntimeException e) {
      fresh.close();
      close(freshScanner);
      throw e;
    }
    ScanService oldScanner = scanner;
    MilterHandler oldHandler = handler;
    HealthMonitor old = monitor;
    scanner = freshScanner;
    monitor = fresh;
    handler = freshHandler;
    config = next;
    metrics.gaugesOf(fresh.current());
    fresh.start();
    if (old != null) {
      old.close();
    }
    if (oldScanner != null) {
      retire(oldScanner, oldHandler);
    }
  }

  /**
   * What sessions that begin under {@code own} read: its snapshot while it runs; after a reload,
   * the running monitor's, in {@code config}'s modes and stages, the ones those sessions negotiated
   * with Postfix. The replaced monitor is closed, and its last snapshot would soon read as stalled
   * and defer every later message of a session that spans the reload (a relay's batch).
   */
  private Supplier<HealthSnapshot> healthOf(HealthMonitor own, Config config) {
    return () -> {
      HealthMonitor live = monitor;
      return live == own || live == null
          ? own.current()
          : live.current().restaged(config::mode, config::stage);
    };
  }

  /**
   * Closes {@code old} once no session that began under {@code handler} is open: such a session
   * scans its later messages with it too (a relay reuses a connection for minutes).
   */
  private static void retire(ScanService old, MilterHandler handler) {
    new DaemonThreads("headroom-retire-scanner")
        .newThread(
            () -> {
              try {
                // Slept first: a connection accepted just before the swap may still be about to
                // open its session with the old handler.
                do {
                  Thread.sleep(RETIRE_CHECK_MILLIS);
                } while (MilterHandlers.inUse(handler));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              old.close();
            })
        .start();
  }

  /** Re-reads the config file; returns how that went, for systemd's STATUS=. */
  private String reload() {
    Path file = config.source().orElse(null);
    if (file == null) {
      log.warn("SIGHUP: running on built-in defaults, nothing to reload");
      return "running on built-in defaults, nothing to reload";
    }
    try {
      ParsedConfig read = ConfigParser.read(file);
      warn(read);
      Config next = read.config();
      List<String> pending = next.changedUntilRestart(bound);
      if (!pending.isEmpty()) {
        log.warn(
            "SIGHUP: changes to {} take effect at the next restart; still listening on {}",
            String.join(", ", pending),
            bound.listen());
      }
      apply(next);
      metrics.configReload(true);
      log.info("reloaded {}: {}", file, describe(next));
      return "reloaded " + file;
    } catch (ConfigException e) {
      metrics.configReload(false);
      e.problems()
          .forEach(p -> log.error("reload failed, keeping the running configuration: {}", p));
      return "reload failed, running configuration kept: " + e.problems().get(0);
    } catch (RuntimeException e) {
      // A value the parser accepted must never fail here; if one does, it is a bug, and the
      // running configuration still serves.
      metrics.configReload(false);
      log.error("reload failed, keeping the running configuration: {}", file, e);
      return "reload failed, running configuration kept: " + e;
    }
  }

  /** The listen address is the bound one, which a reloaded file may not name. */
  private String describe(Config c) {
    return "listen="
        + bound.listen()
        + " defer_stage="
        + c.deferStage().label()
        + " probe_interval="
        + Units.formatDuration(c.probeInterval())
        + " modes="
        + modes(c)
        + " scanners="
        + c.scan().scanners();
  }

  private static String modes(Config c) {
    return Arrays.stream(Check.values())
        .map(check -> check.label() + "=" + c.mode(check).name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(","));
  }

  private static void close(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing {}: {}", c, e.toString());
      }
    }
  }
}
