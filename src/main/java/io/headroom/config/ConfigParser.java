package io.headroom.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads headroom.conf, in Postfix main.cf syntax, into a {@link Config}: the only reader of the
 * file. {@link ConfigFile} reads the entries, each section's {@code load} takes its names from
 * {@link Settings}, and every problem is collected, not only the first, so an admin fixes a file in
 * one pass.
 */
public final class ConfigParser {
  private static final String BUILT_IN = "built-in defaults";

  private ConfigParser() {}

  /** The configuration a daemon started without {@code --config} runs on. */
  public static Config defaults() {
    return readDefaults().config();
  }

  /** The built-in defaults with every setting, for the {@code config} command. */
  public static ParsedConfig readDefaults() {
    try {
      return load(ConfigFile.parse(BUILT_IN, List.of()), Optional.empty());
    } catch (ConfigException e) {
      throw new IllegalStateException("built-in defaults are invalid: " + e.getMessage(), e);
    }
  }

  public static Config parse(Path file) throws ConfigException {
    return read(file).config();
  }

  /** The configuration of {@code file} with its warnings and every setting. */
  public static ParsedConfig read(Path file) throws ConfigException {
    return load(ConfigFile.read(file), Optional.of(file));
  }

  /**
   * In the order of conf/headroom.conf, so the {@code config} command lists settings as the file
   * does.
   */
  private static ParsedConfig load(ConfigFile file, Optional<Path> source) throws ConfigException {
    Settings s = new Settings(file);
    Listeners listeners = Listeners.load(s);
    SessionLimits sessions = SessionLimits.load(s);
    HealthSchedule schedule = HealthSchedule.load(s);
    GatePolicy gate = GatePolicy.load(s);
    BypassRules bypass = BypassRules.load(s, gate);
    ResourceLimits resources = ResourceLimits.load(s);
    DnsSettings dns = DnsSettings.load(s, schedule);
    DnsRecursion recursion = DnsRecursion.load(s);
    ScanSettings scan = ScanSettings.load(s);
    QueueSettings queue = QueueSettings.load(s, schedule);
    DrainSettings drain = DrainSettings.load(s);
    LookupSettings lookup = LookupSettings.load(s);
    return s.finish(
        new Config(
            source, listeners, sessions, schedule, gate, bypass, resources, dns, scan, recursion,
            queue, drain, lookup));
  }
}
