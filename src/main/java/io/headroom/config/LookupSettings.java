package io.headroom.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The network lookup tables and policy services smtpd consults at MAIL and RCPT, and how they are
 * probed: each table with {@code postmap -q}, each policy service by connecting or by one request.
 *
 * @param postfixConfigDirectory Postfix's config_directory for {@code postconf -c} and {@code
 *     postmap -c}; empty for Postfix's default (or its MAIL_CONFIG)
 * @param interval how often a table or service that answers is asked again: each table probe forks
 *     {@code postmap}
 * @param timeout the deadline after which postmap is killed; below {@code interval}
 * @param canary the address looked up, empty for {@code headroom-probe@} and Postfix's mydomain
 * @param policyCanary the sender and recipient of a policy request, empty for {@code canary}
 */
public record LookupSettings(
    Optional<Path> postfixConfigDirectory,
    BackendList<LookupTable> tables,
    Duration interval,
    Duration timeout,
    Optional<String> canary,
    BackendList<PolicyService> policyServices,
    PolicyProbeMode policyProbe,
    Optional<String> policyCanary,
    Duration policyTimeout) {

  /** An address as smtpd passes it to a table: printable ASCII, no space, local part @ domain. */
  private static final Pattern ADDRESS = Pattern.compile("[!-?A-~]+@[!-?A-~]+");

  private static final String AUTO = "auto";

  static LookupSettings load(Settings s) {
    Optional<Path> postfix =
        s.value(
            "postfix_config_directory",
            "",
            v -> v.isEmpty() ? Optional.<Path>empty() : Optional.of(Values.existingDirectory(v)));
    BackendList<LookupTable> tables = backends(s, "lookup_tables", LookupSettings::listedTable);
    Duration interval = s.value("lookup_probe_interval", "10s", Values.positiveDuration("1h"));
    Duration timeout = s.value("lookup_timeout", "5s", Values.positiveDuration("1m"));
    if (timeout.compareTo(interval) >= 0
        && s.isValid("lookup_timeout")
        && s.isValid("lookup_probe_interval")) {
      // At the line the admin wrote: the other value may be a default.
      String why = " (a hung postmap must be killed before the next probe is due)";
      if (s.isSet("lookup_timeout")) {
        s.problem(
            "lookup_timeout",
            Units.formatDuration(timeout)
                + " is not below lookup_probe_interval = "
                + Units.formatDuration(interval)
                + why);
      } else {
        s.problem(
            "lookup_probe_interval",
            Units.formatDuration(interval)
                + " is not above lookup_timeout = "
                + Units.formatDuration(timeout)
                + why);
      }
    }
    Optional<String> canary = s.value("lookup_canary", "", LookupSettings::canary);
    BackendList<PolicyService> services =
        backends(s, "policy_services", LookupSettings::listedService);
    return new LookupSettings(
        postfix,
        tables,
        interval,
        timeout,
        canary,
        services,
        s.value("policy_probe", "connect", Values.oneOf(PolicyProbeMode.class)),
        s.value("policy_canary", "", LookupSettings::canary),
        s.value("policy_timeout", "2s", Values.positiveDuration("1m")));
  }

  /** {@code auto}, empty (none) or a list of items; {@code auto} stands alone. */
  private static <T> BackendList<T> backends(
      Settings s, String name, java.util.function.Function<String, T> item) {
    List<Optional<T>> values =
        s.list(name, AUTO, v -> v.equals(AUTO) ? Optional.<T>empty() : Optional.of(item.apply(v)));
    boolean auto = values.contains(Optional.<T>empty());
    if (auto && values.size() > 1) {
      s.problem(name, "\"auto\" cannot be combined with a list");
      auto = false;
    }
    return new BackendList<>(auto, values.stream().flatMap(Optional::stream).toList());
  }

  /**
   * A table written in the config: a network one, whose definition file the daemon can read now. A
   * file it cannot read would fail every probe and defer mail for a misconfiguration, not an
   * outage.
   */
  private static LookupTable listedTable(String spec) {
    LookupTable table =
        LookupTable.parse(spec, TableRole.LISTED)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        '"'
                            + spec
                            + "\" is not a network table (ldap, mysql, pgsql, memcache, tcp, socketmap): a local"
                            + " table is read from disk and cannot be unavailable"));
    new TableFileAccess()
        .problem(table)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(problem);
            });
    return table;
  }

  /**
   * A policy service written in the config; a relative {@code unix:} path would need Postfix's
   * queue directory.
   */
  private static PolicyService listedService(String spec) {
    Optional<String> unix = PolicyService.unixTransport(spec);
    if (unix.isPresent() && !spec.startsWith(unix.get() + "/")) {
      throw new IllegalArgumentException(
          '"'
              + spec
              + "\" needs an absolute path here, e.g. "
              + unix.get()
              + "/var/spool/postfix/"
              + spec.substring(unix.get().length()));
    }
    PolicyService service = PolicyService.parse(spec, Path.of("/"));
    service
        .accessProblem(Files::isWritable, Files::isExecutable)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(problem);
            });
    return service;
  }

  private static Optional<String> canary(String text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (!ADDRESS.matcher(text).matches()) {
      throw new IllegalArgumentException(
          '"' + text + "\" is not an address like headroom-probe@example.org");
    }
    return Optional.of(text);
  }
}
