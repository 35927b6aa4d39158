package io.headroom.metrics;

import io.headroom.config.Check;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthListener;
import io.headroom.health.HealthSnapshot;
import io.headroom.probe.Measure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@link Metrics} on a Micrometer Prometheus registry; the one class that knows Micrometer. Every
 * counter is registered once, at construction, for every label value it can have, so each is
 * exported at 0 from the first scrape and {@code rate()} has a start.
 */
public final class MicrometerMetrics implements Metrics, HealthListener {
  private static final String DEFERRALS = "headroom.deferrals";
  private static final String MONITOR_DEFERRALS = "headroom.monitor.deferrals";
  private static final String MESSAGES = "headroom.messages";
  private static final String SESSIONS_ACTIVE = "headroom.milter.sessions.active";
  private static final String SESSIONS_BUSY = "headroom.milter.sessions.busy";
  private static final String SESSIONS_DROPPED = "headroom.milter.sessions.dropped";
  private static final String PROTOCOL_ERRORS = "headroom.milter.protocol.errors";
  private static final String SCANS = "headroom.scans";
  private static final String SCAN_DURATION = "headroom.scan.duration";
  private static final String CONFIG_RELOADS = "headroom.config.reloads";
  private static final String CHECK_DURATION = "headroom.check.duration";
  private static final String CHECK_UP = "headroom.check.up";
  private static final String BUILD_INFO = "headroom.build.info";

  /**
   * The label values that are not enums of the core: the build's version, and the sets that belong
   * to the transport and the scanners.
   */
  public record Labels(
      String version, Collection<String> protocolErrors, Collection<String> scanResults) {}

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger activeSessions = new AtomicInteger();
  private final Map<Check, Map<Stage, Counter>> deferrals;
  private final Map<Check, Map<Stage, Counter>> monitorDeferrals;
  private final Map<MessageAction, Counter> messages;
  private final Counter sessionsBusy;
  private final Counter sessionsDropped;
  private final Map<String, Counter> protocolErrors;
  private final Map<ScannerEndpoint.Kind, Map<String, Counter>> scans;
  private final Map<ScannerEndpoint.Kind, Map<String, Timer>> scanDurations =
      new EnumMap<>(ScannerEndpoint.Kind.class);
  private final Counter reloadsSucceeded;
  private final Counter reloadsFailed;
  private final Map<Check, Timer> checkDurations;

  /** The per-subject gauges registered now: those of the running configuration's probes. */
  private final Map<GaugeKey, Gauge> subjectGauges = new HashMap<>();

  private final Supplier<HealthSnapshot> health;

  /** A per-subject gauge: which measure, of what. */
  private record GaugeKey(Measure measure, String subject) {}

  public MicrometerMetrics(Supplier<HealthSnapshot> health, Labels labels) {
    this.health = health;
    // promtool lints these two binder meters (a unit abbreviated to "ns", a gauge ending "_count");
    // process_cpu_usage and jvm_* carry the same information.
    registry
        .config()
        .meterFilter(
            MeterFilter.deny(
                id ->
                    id.getName().equals("process.cpu.time")
                        || id.getName().equals("system.cpu.count")));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);

    deferrals =
        perCheckAndStage(DEFERRALS, "Transactions answered 451 4.3.0, by failing check and stage");
    monitorDeferrals =
        perCheckAndStage(
            MONITOR_DEFERRALS, "Transactions a check in monitor mode would have deferred");
    messages =
        byEnum(
            MessageAction.class,
            action -> counter(MESSAGES, "Transactions by outcome", "action", action.label()));
    sessionsBusy =
        counter(SESSIONS_BUSY, "Milter sessions over max_sessions, answered 451 4.3.0 busy");
    sessionsDropped =
        counter(
            SESSIONS_DROPPED, "Milter connections over the cap on busy answers, closed unanswered");
    protocolErrors =
        labels.protocolErrors().stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    Function.identity(),
                    reason ->
                        counter(
                            PROTOCOL_ERRORS,
                            "Milter connections closed for a protocol error",
                            "reason",
                            reason)));
    scans =
        byEnum(
            ScannerEndpoint.Kind.class,
            kind ->
                labels.scanResults().stream()
                    .collect(
                        Collectors.toUnmodifiableMap(
                            Function.identity(),
                            result ->
                                counter(
                                    SCANS,
                                    "Content scans by scanner and result",
                                    "scanner",
                                    kind.label(),
                                    "result",
                                    result))));
    // Timers are registered at their first use (cached): a histogram per scanner and result from
    // the start would add a thousand mostly empty lines to every scrape.
    for (ScannerEndpoint.Kind kind : ScannerEndpoint.Kind.values()) {
      scanDurations.put(kind, new ConcurrentHashMap<>());
    }
    reloadsSucceeded =
        counter(CONFIG_RELOADS, "Configuration reloads (SIGHUP) by result", "result", "success");
    reloadsFailed =
        counter(CONFIG_RELOADS, "Configuration reloads (SIGHUP) by result", "result", "failure");
    checkDurations =
        byEnum(
            Check.class,
            check ->
                Timer.builder(CHECK_DURATION)
                    .description("Time one probe of a check took")
                    .tag("check", check.label())
                    .register(registry));
    for (Check check : Check.values()) {
      Gauge.builder(CHECK_UP, () -> checkUp(check))
          .description("1 when every probe of the check is healthy, 0 when one is failing")
          .tag("check", check.label())
          .register(registry);
    }
    Gauge.builder(BUILD_INFO, () -> 1)
        .description("Always 1; the version label says which build is running")
        .tag("version", labels.version())
        .register(registry);
    Gauge.builder(SESSIONS_ACTIVE, activeSessions, AtomicInteger::get)
        .description("Milter connections open now")
        .register(registry);
    hostGauge(Measure.MEMORY_AVAILABLE_RATIO);
    hostGauge(Measure.CPU_LOAD_PER_CORE);
    hostGauge(Measure.DRAIN_ACTIVE);
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** The exposition in the format a scraper's Accept header asks for (OpenMetrics or text). */
  public String scrape(String contentType) {
    return registry.scrape(contentType);
  }

  @Override
  public void deferred(Check check, Stage stage) {
    deferrals.get(check).get(stage).increment();
  }

  @Override
  public void wouldDefer(Check check, Stage stage) {
    monitorDeferrals.get(check).get(stage).increment();
  }

  @Override
  public void message(MessageAction action) {
    messages.get(action).increment();
  }

  @Override
  public void sessionOpened() {
    activeSessions.incrementAndGet();
  }

  @Override
  public void sessionClosed() {
    activeSessions.decrementAndGet();
  }

  @Override
  public void sessionRefused() {
    sessionsBusy.increment();
  }

  @Override
  public void sessionDropped() {
    sessionsDropped.increment();
  }

  @Override
  public void protocolError(String reason) {
    Counter c = protocolErrors.get(reason);
    if (c == null) {
      throw new IllegalArgumentException("unknown protocol error reason " + reason);
    }
    c.increment();
  }

  @Override
  public void scanned(ScannerEndpoint.Kind scanner, String result, Duration took) {
    scans.get(scanner).get(result).increment();
    scanDurations.get(scanner).computeIfAbsent(result, r -> scanTimer(scanner, r)).record(took);
  }

  @Override
  public void configReload(boolean success) {
    (success ? reloadsSucceeded : reloadsFailed).increment();
  }

  /** Records each probe's duration. */
  @Override
  public void updated(HealthSnapshot previous, HealthSnapshot current) {
    for (CheckState s : current.states()) {
      checkDurations.get(s.check()).record(s.took());
    }
  }

  /**
   * Makes the per-subject gauges (disk path, lookup table, policy service, queue) those of {@code
   * running}, a snapshot of the monitor just swapped in. A subject that stays configured keeps its
   * gauge, the same meter, so its series has no gap. One a reload removed is unregistered: left in
   * the registry it would be exported as NaN until a restart, a stale series in Prometheus.
   *
   * <p>Called at the swap rather than from {@link #updated}: the replaced monitor may still publish
   * a round after the swap and would register its subjects again; and the new monitor's first
   * round, published before the swap, would add its new subjects' gauges while they still read the
   * old monitor's snapshot (NaN).
   */
  public synchronized void gaugesOf(HealthSnapshot running) {
    Map<GaugeKey, String> wanted = new HashMap<>();
    for (CheckState s : running.states()) {
      Measure measure = s.latest().measure();
      if (measure != Measure.NONE && !s.check().subjectLabel().isEmpty()) {
        wanted.put(new GaugeKey(measure, s.latest().subject()), s.check().subjectLabel());
      }
    }
    List<GaugeKey> gone =
        subjectGauges.keySet().stream().filter(k -> !wanted.containsKey(k)).toList();
    gone.forEach(k -> registry.remove(subjectGauges.remove(k)));
    wanted.forEach(
        (key, label) ->
            subjectGauges.computeIfAbsent(
                key, k -> gauge(k).tag(label, k.subject()).register(registry)));
  }

  private void hostGauge(Measure measure) {
    gauge(new GaugeKey(measure, "")).register(registry);
  }

  /**
   * The gauge of one measure of one subject, read from the probe that reports it in the current
   * snapshot. Held strongly: Micrometer keeps a gauge's state object only weakly, and nothing else
   * holds a host gauge's key, so after the first garbage collection it would read NaN.
   */
  private Gauge.Builder<GaugeKey> gauge(GaugeKey key) {
    return Gauge.builder(gaugeName(key.measure()), key, this::value)
        .strongReference(true)
        .description(gaugeDescription(key.measure()));
  }

  private double value(GaugeKey key) {
    return health.get().states().stream()
        .filter(
            s ->
                s.latest().measure() == key.measure() && s.latest().subject().equals(key.subject()))
        .mapToDouble(s -> key.measure().isState() ? (s.healthy() ? 1 : 0) : s.latest().value())
        .findFirst()
        .orElse(Double.NaN);
  }

  private static String gaugeName(Measure measure) {
    return switch (measure) {
      case DISK_FREE_RATIO -> "headroom.disk.free.ratio";
      case DISK_FREE_INODES_RATIO -> "headroom.disk.free.inodes.ratio";
      case MEMORY_AVAILABLE_RATIO -> "headroom.memory.available.ratio";
      case CPU_LOAD_PER_CORE -> "headroom.cpu.load.per.core";
      case LOOKUP_TABLE_UP -> "headroom.lookup.table.up";
      case POLICY_SERVICE_UP -> "headroom.policy.service.up";
      case QUEUE_MESSAGES -> "headroom.queue.messages";
      case DRAIN_ACTIVE -> "headroom.drain.active";
      case NONE -> throw new IllegalArgumentException("no gauge for " + measure);
    };
  }

  private static String gaugeDescription(Measure measure) {
    return switch (measure) {
      case DISK_FREE_RATIO -> "Free space over total on a file system that must keep headroom";
      case DISK_FREE_INODES_RATIO ->
          "Free inodes over total on a file system that must keep headroom";
      case MEMORY_AVAILABLE_RATIO -> "Available memory (MemAvailable) over total";
      case CPU_LOAD_PER_CORE -> "1-minute load average divided by logical cores";
      case LOOKUP_TABLE_UP ->
          "1 while the lookup table answers its probe (after damping), 0 while it fails";
      case POLICY_SERVICE_UP ->
          "1 while the policy service answers its probe (after damping), 0 while it fails";
      case QUEUE_MESSAGES -> "Messages in one of Postfix's queues, by postqueue -j";
      case DRAIN_ACTIVE -> "1 while headroom-milter drain is in force, 0 otherwise";
      case NONE -> throw new IllegalArgumentException("no gauge for " + measure);
    };
  }

  private double checkUp(Check check) {
    List<CheckState> states = health.get().of(check);
    if (states.isEmpty()) {
      return Double.NaN;
    }
    return states.stream().allMatch(CheckState::healthy) ? 1 : 0;
  }

  private Counter counter(String name, String description, String... tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  private Timer scanTimer(ScannerEndpoint.Kind kind, String result) {
    return Timer.builder(SCAN_DURATION)
        .description("Time to scan one message")
        .tag("scanner", kind.label())
        .tag("result", result)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(5))
        .register(registry);
  }

  private Map<Check, Map<Stage, Counter>> perCheckAndStage(String name, String description) {
    return byEnum(
        Check.class,
        check ->
            byEnum(
                Stage.class,
                stage ->
                    counter(name, description, "check", check.label(), "stage", stage.label())));
  }

  private static <E extends Enum<E>, V> Map<E, V> byEnum(Class<E> type, Function<E, V> value) {
    Map<E, V> map = new EnumMap<>(type);
    for (E e : type.getEnumConstants()) {
      map.put(e, value.apply(e));
    }
    return map;
  }
}
