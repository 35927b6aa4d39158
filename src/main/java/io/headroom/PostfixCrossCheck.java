package io.headroom;

import io.headroom.config.Config;
import io.headroom.config.HostPort;
import io.headroom.config.ListenAddress;
import io.headroom.config.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings in Postfix's main.cf that decide whether the daemon can do its job, read with {@code
 * postconf} (which honours MAIL_CONFIG) and compared with ours. Only warnings: Postfix may run on
 * another host.
 */
final class PostfixCrossCheck {
  static final List<String> NAMES =
      List.of(
          "smtpd_milters", "milter_default_action", "milter_content_timeout", "queue_directory");
  private static final Pattern TIME = Pattern.compile("(\\d+)([smhdw]?)");
  private static final Pattern MILTER = Pattern.compile("(inet|unix|local):[^\\s,{}]+");

  private PostfixCrossCheck() {}

  /**
   * Runs postconf, with {@code -c} for the instance {@code postfix_config_directory} names; empty
   * when Postfix is not installed here.
   */
  static Map<String, String> readPostconf(Optional<Path> configDirectory) {
    List<String> command = new ArrayList<>(List.of("postconf", "-h"));
    configDirectory.ifPresent(dir -> command.addAll(List.of("-c", dir.toString())));
    command.addAll(NAMES);
    try {
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return Map.of();
      }
      String[] lines = out.split("\n", -1);
      if (lines.length < NAMES.size()) {
        return Map.of();
      }
      Map<String, String> values = new java.util.LinkedHashMap<>();
      for (int i = 0; i < NAMES.size(); i++) {
        values.put(NAMES.get(i), lines[i].strip());
      }
      return values;
    } catch (IOException e) {
      return Map.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    }
  }

  /** The warnings for {@code postfix} (postconf's values) against {@code config}. */
  static List<String> warnings(Config config, Map<String, String> postfix) {
    List<String> warnings = new ArrayList<>();
    String action = postfix.getOrDefault("milter_default_action", "");
    if (action.equals("accept")) {
      warnings.add(
          "milter_default_action = accept: while this daemon is down Postfix accepts mail"
              + " unchecked; set milter_default_action = tempfail");
    }
    Duration content = postfixTime(postfix.getOrDefault("milter_content_timeout", ""));
    if (config.scan().enabled()
        && content != null
        && config.scan().timeout().compareTo(content) >= 0) {
      warnings.add(
          "scan_timeout = "
              + Units.formatDuration(config.scan().timeout())
              + " is not below Postfix's milter_content_timeout = "
              + Units.formatDuration(content)
              + ": Postfix gives up first and answers with milter_default_action instead of the precise reason");
    }
    String milters = postfix.getOrDefault("smtpd_milters", "");
    Path queue = Path.of(postfix.getOrDefault("queue_directory", "/var/spool/postfix"));
    if (!pointsHere(config.listen(), milters, queue)) {
      warnings.add(
          "smtpd_milters = "
              + (milters.isEmpty() ? "(empty)" : milters)
              + " does not name "
              + config.listen()
              + ": Postfix does not ask this daemon");
    }
    return warnings;
  }

  private static boolean pointsHere(ListenAddress listen, String milters, Path queueDirectory) {
    Matcher m = MILTER.matcher(milters);
    while (m.find()) {
      String entry = m.group();
      if (listen instanceof ListenAddress.Inet inet && entry.startsWith("inet:")) {
        if (sameInet(inet, entry.substring("inet:".length()))) {
          return true;
        }
      } else if (listen instanceof ListenAddress.Unix unix && !entry.startsWith("inet:")) {
        // A relative path is relative to the queue directory, where chrooted smtpd runs.
        Path path = queueDirectory.resolve(entry.substring(entry.indexOf(':') + 1)).normalize();
        if (path.equals(unix.path().normalize())) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean sameInet(ListenAddress.Inet listen, String hostPort) {
    try {
      var other = HostPort.parse(hostPort, -1);
      String host = listen.address().getHostString();
      String otherHost = other.getHostString();
      boolean loopbackBoth = isLoopbackName(host) && isLoopbackName(otherHost);
      return other.getPort() == listen.address().getPort()
          && (host.equals(otherHost) || loopbackBoth);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isLoopbackName(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  /** Postfix time syntax: a number with an optional unit s, m, h, d, w (seconds by default). */
  static Duration postfixTime(String value) {
    Matcher m = TIME.matcher(value.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      case "w" -> Duration.ofDays(7 * n);
      default -> Duration.ofSeconds(n);
    };
  }
}
