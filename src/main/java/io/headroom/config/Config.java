package io.headroom.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration, one record per section. Built only by {@link ConfigParser}; a
 * reload builds a new one. The accessors below the sections save callers a hop.
 *
 * @param source the file it came from, empty for built-in defaults
 */
public record Config(
    Optional<Path> source,
    Listeners listeners,
    SessionLimits sessions,
    HealthSchedule schedule,
    GatePolicy gate,
    BypassRules bypass,
    ResourceLimits resources,
    DnsSettings dns,
    ScanSettings scan,
    DnsRecursion recursion,
    QueueSettings queue,
    DrainSettings drain,
    LookupSettings lookup) {

  /**
   * The settings a reload cannot apply (the sockets are bound once, at start) on which this file
   * differs from {@code running}, the configuration the daemon bound its sockets with; in file
   * order.
   */
  public List<String> changedUntilRestart(Config running) {
    List<String> changed = new ArrayList<>();
    if (!listen().equals(running.listen())) {
      changed.add("listen");
    }
    if (sessions.socketMode() != running.sessions.socketMode()) {
      changed.add("listen_socket_mode");
    }
    if (!sessions.socketGroup().equals(running.sessions.socketGroup())) {
      changed.add("listen_socket_group");
    }
    if (!metricsListen().equals(running.metricsListen())) {
      changed.add("metrics_listen");
    }
    return changed;
  }

  public ListenAddress listen() {
    return listeners.listen();
  }

  public Optional<InetSocketAddress> metricsListen() {
    return listeners.metricsListen();
  }

  public Stage deferStage() {
    return gate.deferStage();
  }

  public Map<Check, Mode> modes() {
    return gate.modes();
  }

  public Mode mode(Check check) {
    return gate.mode(check);
  }

  /**
   * The stage at which {@code check} answers: its {@code CHECK_stage}, by default {@code
   * defer_stage}.
   */
  public Stage stage(Check check) {
    return gate.stage(check);
  }

  public Duration probeInterval() {
    return schedule.probeInterval();
  }

  public Duration probeTimeout() {
    return schedule.probeTimeout();
  }

  public int failAfter() {
    return schedule.failAfter();
  }

  public int recoverAfter() {
    return schedule.recoverAfter();
  }

  public DiskLimits disk() {
    return resources.disk();
  }

  public Threshold memoryMinAvailable() {
    return resources.memoryMinAvailable();
  }

  public double cpuMaxLoadPerCore() {
    return resources.cpuMaxLoadPerCore();
  }

  public Path spoolProbeDirectory() {
    return resources.spoolProbeDirectory();
  }

  public String describeSource() {
    return source.map(Path::toString).orElse("built-in defaults");
  }
}
