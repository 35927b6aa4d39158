package io.headroom.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration. Built only by {@link ConfigParser}; a reload builds a new one.
 *
 * @param source the file it came from, empty for built-in defaults
 * @param failAfter consecutive failing probe results before a healthy check turns failing
 * @param recoverAfter consecutive passing probe results before a failing check turns healthy
 */
public record Config(
    Optional<Path> source,
    ListenAddress listen,
    Optional<InetSocketAddress> metricsListen,
    Stage deferStage,
    Duration probeInterval,
    Duration probeTimeout,
    int failAfter,
    int recoverAfter,
    DiskLimits disk,
    Threshold memoryMinAvailable,
    double cpuMaxLoadPerCore,
    Path spoolProbeDirectory,
    DnsSettings dns,
    ScanSettings scan,
    Map<Check, Mode> modes,
    BypassRules bypass,
    SessionLimits sessions) {

  public Config {
    modes = Map.copyOf(new EnumMap<>(modes));
  }

  public Mode mode(Check check) {
    return modes.getOrDefault(check, Mode.ENFORCE);
  }

  /** The SMTP stage at which {@code check}'s failure is answered. */
  public Stage stage(Check check) {
    return deferStage;
  }

  public String describeSource() {
    return source.map(Path::toString).orElse("built-in defaults");
  }
}
