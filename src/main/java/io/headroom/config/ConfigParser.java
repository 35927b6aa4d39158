package io.headroom.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads headroom.conf, in Postfix main.cf syntax, into a {@link Config}. The only reader of the file.
 *
 * <p>Every problem is collected, not only the first, so an admin fixes a file in one pass.
 */
public final class ConfigParser {
  static final Path DEFAULT_SPOOL = Path.of("/var/spool/postfix");
  static final Path DEFAULT_SPOOL_PROBE_DIR = Path.of("/var/spool/postfix/headroom-milter");

  private record Entry(String value, int line) {}

  private final String fileName;
  private final Map<String, Entry> entries;
  private final List<String> problems = new ArrayList<>();
  private final Map<String, Boolean> known = new LinkedHashMap<>();

  private ConfigParser(String fileName, Map<String, Entry> entries) {
    this.fileName = fileName;
    this.entries = entries;
  }

  /** The configuration a daemon started without {@code --config} runs on. */
  public static Config defaults() {
    try {
      return new ConfigParser("built-in defaults", Map.of()).build(Optional.empty());
    } catch (ConfigException e) {
      throw new IllegalStateException("built-in defaults are invalid: " + e.getMessage(), e);
    }
  }

  public static Config parse(Path file) throws ConfigException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(List.of(file + ": cannot read: no such file"));
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": cannot read: " + e.getMessage()));
    }
    return parse(file, lines);
  }

  static Config parse(Path file, List<String> lines) throws ConfigException {
    List<String> problems = new ArrayList<>();
    Map<String, Entry> entries = readEntries(file.toString(), lines, problems);
    ConfigParser parser = new ConfigParser(file.toString(), entries);
    parser.problems.addAll(problems);
    return parser.build(Optional.of(file));
  }

  /** main.cf syntax: {@code name = value}; a line starting with white space continues the value above. */
  private static Map<String, Entry> readEntries(String file, List<String> lines, List<String> problems) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    String name = null;
    StringBuilder value = new StringBuilder();
    int start = 0;
    for (int i = 0; i <= lines.size(); i++) {
      String line = i < lines.size() ? lines.get(i) : "";
      String trimmed = line.strip();
      if (trimmed.startsWith("#")) {
        continue;
      }
      boolean continuation = !trimmed.isEmpty() && Character.isWhitespace(line.charAt(0));
      if (continuation && name != null) {
        value.append(' ').append(trimmed);
        continue;
      }
      if (name != null) {
        Entry previous = entries.get(name);
        if (previous != null) {
          problems.add(file + ":" + start + ": " + name + ": duplicate; first set on line " + previous.line);
        } else {
          entries.put(name, new Entry(value.toString().strip(), start));
        }
        name = null;
      }
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      String key = eq < 0 ? trimmed : line.substring(0, eq).strip();
      if (continuation || eq < 0 || !key.matches("[a-z][a-z0-9_]*")) {
        problems.add(file + ":" + (i + 1) + ": " + key + ": expected \"name = value\"");
        continue;
      }
      name = key;
      value.setLength(0);
      value.append(line.substring(eq + 1));
      start = i + 1;
    }
    return entries;
  }

  private Config build(Optional<Path> source) throws ConfigException {
    ListenAddress listen = value("listen", "inet:127.0.0.1:8899", ListenAddress::parse);
    Optional<InetSocketAddress> metrics =
        value("metrics_listen", "127.0.0.1:9899",
            v -> v.equals("off") ? Optional.<InetSocketAddress>empty() : Optional.of(HostPort.parse(v, -1)));
    Stage stage = value("defer_stage", "rcpt", v -> parseEnum(Stage.class, v));
    Duration interval = value("probe_interval", "2s", ConfigParser::positiveDuration);
    Duration probeTimeout = value("probe_timeout", "5s", ConfigParser::positiveDuration);
    int failAfter = value("fail_after", "2", ConfigParser::positiveInt);
    int recoverAfter = value("recover_after", "2", ConfigParser::positiveInt);

    List<Path> diskPaths = value("disk_paths", "", ConfigParser::paths);
    if (diskPaths.isEmpty()) {
      diskPaths = List.of(Files.isDirectory(DEFAULT_SPOOL) ? DEFAULT_SPOOL : Path.of("/"));
    }
    DiskLimits disk =
        new DiskLimits(
            diskPaths,
            value("disk_min_free", "5%", Units::parseThreshold),
            value("disk_min_free_inodes", "5%", Units::parseThreshold));
    Threshold memory = value("memory_min_available", "5%", Units::parseThreshold);
    double cpu = value("cpu_max_load_per_core", "4.0", ConfigParser::positiveDouble);
    Path spoolDir =
        value("spool_probe_directory", "",
            v -> v.isEmpty() ? defaultSpoolProbeDirectory() : absolutePath(v));

    List<InetSocketAddress> resolvers =
        value("dns_resolvers", "system",
            v -> v.equals("system") ? List.<InetSocketAddress>of() : list(v, s -> HostPort.parse(s, 53)));
    DnsSettings dns =
        new DnsSettings(
            resolvers,
            value("dns_probe_names", ".", v -> nonEmpty(list(v, Function.identity()))),
            value("dns_timeout", "2s", ConfigParser::positiveDuration));

    ScanSettings scan =
        new ScanSettings(
            value("scanners", "", v -> list(v, ScannerEndpoint::parse)),
            value("scan_timeout", "30s", ConfigParser::positiveDuration),
            value("scan_timeout_per_mib", "0s", Units::parseDuration),
            value("scan_max_size", "25M", Units::parseSize),
            value("scan_oversize_action", "skip", v -> parseEnum(ScanSettings.OversizeAction.class, v)),
            value("malware_action", "reject", v -> parseEnum(ScanSettings.MalwareAction.class, v)),
            value("spam_reject_score", "15", v -> v.equals("off") ? Double.NaN : finiteDouble(v)));

    Map<Check, Mode> modes = new EnumMap<>(Check.class);
    for (Check check : Check.values()) {
      modes.put(check, value(check.label() + "_mode", "enforce", v -> parseEnum(Mode.class, v)));
    }
    BypassRules bypass =
        new BypassRules(
            value("bypass_networks", "", v -> list(v, CidrBlock::parse)),
            value("bypass_authenticated", "no", ConfigParser::yesNo));
    if (bypass.authenticated() && stage.compareTo(Stage.MAIL) < 0) {
      Entry e = entries.getOrDefault("bypass_authenticated", entries.get("defer_stage"));
      problems.add(fileName + ":" + e.line + ": bypass_authenticated: needs defer_stage mail, rcpt or data"
          + " (SMTP AUTH happens after HELO)");
    }
    SessionLimits sessions =
        new SessionLimits(
            value("max_sessions", "500", ConfigParser::positiveInt),
            value("idle_timeout", "10m", ConfigParser::positiveDuration),
            value("shutdown_timeout", "30s", Units::parseDuration),
            value("listen_socket_mode", "0660", ConfigParser::octalMode),
            value("listen_socket_group", "", Function.identity()));

    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      if (!known.containsKey(e.getKey())) {
        problems.add(fileName + ":" + e.getValue().line + ": " + e.getKey() + ": unknown name");
      }
    }
    if (!problems.isEmpty()) {
      problems.sort(ConfigParser::byLine);
      throw new ConfigException(problems);
    }
    return new Config(source, listen, metrics, stage, interval, probeTimeout, failAfter, recoverAfter,
        disk, memory, cpu, spoolDir, dns, scan, modes, bypass, sessions);
  }

  private <T> T value(String name, String defaultValue, Function<String, T> parse) {
    known.put(name, true);
    Entry entry = entries.get(name);
    if (entry == null) {
      return parse.apply(defaultValue);
    }
    try {
      return parse.apply(entry.value);
    } catch (IllegalArgumentException e) {
      problems.add(fileName + ":" + entry.line + ": " + name + ": " + e.getMessage());
      return parse.apply(defaultValue);
    }
  }

  private static int byLine(String a, String b) {
    return Integer.compare(lineOf(a), lineOf(b));
  }

  private static int lineOf(String problem) {
    String[] parts = problem.split(":", 3);
    try {
      return parts.length > 2 ? Integer.parseInt(parts[1]) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Path defaultSpoolProbeDirectory() {
    return Files.isDirectory(DEFAULT_SPOOL_PROBE_DIR)
        ? DEFAULT_SPOOL_PROBE_DIR
        : Path.of(System.getProperty("java.io.tmpdir"));
  }

  static <T> List<T> list(String value, Function<String, T> parse) {
    return Arrays.stream(value.split("[,\\s]+")).filter(s -> !s.isEmpty()).map(parse).toList();
  }

  private static <T> List<T> nonEmpty(List<T> list) {
    if (list.isEmpty()) {
      throw new IllegalArgumentException("needs at least one value");
    }
    return list;
  }

  private static List<Path> paths(String value) {
    return list(value, ConfigParser::absolutePath);
  }

  private static Path absolutePath(String value) {
    if (!value.startsWith("/")) {
      throw new IllegalArgumentException('"' + value + "\" is not an absolute path");
    }
    return Path.of(value);
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value)) {
        return e;
      }
    }
    List<String> names =
        Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).toList();
    throw new IllegalArgumentException('"' + value + "\" is not one of " + String.join(", ", names));
  }

  private static Duration positiveDuration(String value) {
    Duration d = Units.parseDuration(value);
    if (d.isZero()) {
      throw new IllegalArgumentException('"' + value + "\" must be more than zero");
    }
    return d;
  }

  private static int positiveInt(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException('"' + value + "\" is not a whole number above zero");
  }

  private static double finiteDouble(String value) {
    try {
      double d = Double.parseDouble(value);
      if (Double.isFinite(d) && value.matches("-?[0-9.]+")) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException('"' + value + "\" is not a number");
  }

  private static double positiveDouble(String value) {
    double d = finiteDouble(value);
    if (d <= 0) {
      throw new IllegalArgumentException('"' + value + "\" must be more than zero");
    }
    return d;
  }

  private static boolean yesNo(String value) {
    return switch (value) {
      case "yes" -> true;
      case "no" -> false;
      default -> throw new IllegalArgumentException('"' + value + "\" is not yes or no");
    };
  }

  private static int octalMode(String value) {
    if (!value.matches("0?[0-7]{3}")) {
      throw new IllegalArgumentException('"' + value + "\" is not an octal mode like 0660");
    }
    return Integer.parseInt(value, 8);
  }
}
