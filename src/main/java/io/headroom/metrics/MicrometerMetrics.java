package io.headroom.metrics;

import io.headroom.config.Check;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthListener;
import io.headroom.health.HealthSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** {@link Metrics} on a Micrometer Prometheus registry; the one class that knows Micrometer. */
public final class MicrometerMetrics implements Metrics, HealthListener {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger activeSessions = new AtomicInteger();
  private final Set<String> gaugedProbes = ConcurrentHashMap.newKeySet();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Set<Check> gaugedChecks = ConcurrentHashMap.newKeySet();
  private final Supplier<HealthSnapshot> health;

  public MicrometerMetrics(Supplier<HealthSnapshot> health) {
    this.health = health;
    // promtool lints these two binder meters (a unit abbreviated to "ns", a gauge ending "_count");
    // process_cpu_usage and jvm_* carry the same information.
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
        || id.getName().equals("system.cpu.count")));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("headroom.milter.sessions.active", activeSessions, AtomicInteger::get)
        .description("Milter connections open now")
        .register(registry);
    Gauge.builder("headroom.memory.available.ratio", probeValue("memory"))
        .description("Available memory (MemAvailable) over total")
        .register(registry);
    Gauge.builder("headroom.cpu.load.per.core", probeValue("cpu"))
        .description("1-minute load average divided by logical cores")
        .register(registry);
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** The exposition in {@code contentType}: OpenMetrics if it names {@code application/openmetrics-text}. */
  public String scrape(String contentType) {
    return registry.scrape(contentType);
  }

  @Override
  public void deferred(Check check, Stage stage) {
    counter("headroom.deferrals", "Transactions answered 451 4.3.0, by failing check and stage",
        "check", check.label(), "stage", stage.label()).increment();
  }


  @Override
  public void wouldDefer(Check check, Stage stage) {
    counter("headroom.monitor.deferrals", "Transactions a check in monitor mode would have deferred",
        "check", check.label(), "stage", stage.label()).increment();
  }


  @Override
  public void message(MessageAction action) {
    counter("headroom.messages", "Transactions by outcome", "action", action.label()).increment();
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
    counter("headroom.milter.sessions.busy", "Milter sessions over max_sessions, answered 451 4.3.0 busy")
        .increment();
  }


  @Override
  public void protocolError(String reason) {
    counter("headroom.milter.protocol.errors", "Milter connections closed for a protocol error",
        "reason", reason).increment();
  }


  @Override
  public void scanned(String scanner, String result, Duration took) {
    counter("headroom.scans", "Content scans by scanner and result", "scanner", scanner, "result", result)
        .increment();
    Timer.builder("headroom.scan.duration")
        .description("Time to scan one message")
        .tag("scanner", scanner)
        .tag("result", result)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(5))
        .register(registry)
        .record(took);
  }

  @Override
  public void configReload(boolean success) {
    counter("headroom.config.reloads", "Configuration reloads (SIGHUP) by result",
        "result", success ? "success" : "failure").increment();
  }

  /**
   * The counter for a name and tag values, registered on first use. Cached: the message path counts
   * every transaction, and a builder plus registry lookup each time costs more than the increment.
   */
  private Counter counter(String name, String description, String... tags) {
    return counters.computeIfAbsent(name + String.join("\0", tags),
        k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }


  /** Records each probe's duration and makes sure every check and disk path has its gauges. */
  @Override
  public void updated(HealthSnapshot previous, HealthSnapshot current) {
    for (CheckState s : current.states()) {
      Timer.builder("headroom.check.duration")
          .description("Time one probe of a check took")
          .tag("check", s.check().label())
          .register(registry)
          .record(s.took());
      if (gaugedProbes.add(s.probe())) {
        registerGauges(s);
      }
    }
  }

  private void registerGauges(CheckState s) {
    Check check = s.check();
    if (gaugedChecks.add(check)) {
      Gauge.builder("headroom.check.up", () -> checkUp(check))
          .description("1 when every probe of the check is healthy, 0 when one is failing")
          .tag("check", check.label())
          .register(registry);
    }
    if (s.probe().startsWith("disk_space:")) {
      Gauge.builder("headroom.disk.free.ratio", probeValue(s.probe()))
          .description("Free space over total on a file system that must keep headroom")
          .tag("path", s.probe().substring("disk_space:".length()))
          .register(registry);
    } else if (s.probe().startsWith("disk_inodes:")) {
      Gauge.builder("headroom.disk.free.inodes.ratio", probeValue(s.probe()))
          .description("Free inodes over total on a file system that must keep headroom")
          .tag("path", s.probe().substring("disk_inodes:".length()))
          .register(registry);
    }
  }

  private double checkUp(Check check) {
    List<CheckState> states = health.get().of(check);
    if (states.isEmpty()) {
      return Double.NaN;
    }
    return states.stream().allMatch(CheckState::healthy) ? 1 : 0;
  }

  private Supplier<Number> probeValue(String probe) {
    ToDoubleFunction<HealthSnapshot> value =
        snap -> snap.states().stream().filter(s -> s.probe().equals(probe)).mapToDouble(s -> s.latest().value())
            .findFirst().orElse(Double.NaN);
    return () -> value.applyAsDouble(health.get());
  }
}
