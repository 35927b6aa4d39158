package io.headroom.probe;

import io.headroom.config.LookupTable;
import io.headroom.config.PolicyService;
import io.headroom.config.TableRole;
import io.headroom.config.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Finds, in Postfix's parameters ({@code postconf -x}: every value with {@code $name} expanded),
 * the network lookup tables and policy services that smtpd consults for senders and recipients.
 *
 * <p>Which parameters, read in Postfix 3.x's source:
 *
 * <ul>
 *   <li>smtpd's recipient validation, {@code check_rcpt_maps} in {@code smtpd_check.c}, at RCPT
 *       while {@code smtpd_reject_unlisted_recipient = yes} (the default): {@code
 *       recipient_canonical_maps}, {@code canonical_maps}, {@code virtual_alias_maps}, then by
 *       address class {@code local_recipient_maps}, {@code virtual_mailbox_maps}, {@code
 *       relay_recipient_maps}. With {@code smtpd_reject_unlisted_sender} the sender goes the same
 *       way, plus {@code sender_canonical_maps}.
 *   <li>The address resolver smtpd asks about every sender and recipient first ({@code resolve.c}
 *       in trivial-rewrite): the domain lists {@code mydestination}, {@code virtual_alias_domains},
 *       {@code virtual_mailbox_domains}, {@code relay_domains}, which may be tables, and {@code
 *       relocated_maps}, {@code transport_maps}, {@code sender_dependent_relayhost_maps}, {@code
 *       sender_dependent_default_transport_maps}. Its lookup failure (RESOLVE_FLAG_FAIL) is
 *       answered "Temporary lookup failure" as well.
 *   <li>{@code smtpd_sender_login_maps}, for {@code reject_sender_login_mismatch} at MAIL.
 *   <li>Every {@code check_*_access} table and {@code check_policy_service} in the {@code
 *       smtpd_*_restrictions} and in the restriction classes they may name.
 * </ul>
 *
 * Not consulted by smtpd, so not here: {@code alias_maps} (local(8), at delivery; it reaches smtpd
 * only through the default of {@code local_recipient_maps}, which {@code -x} expands), the tables
 * of virtual(8), smtp(8) and cleanup(8) ({@code header_checks}, {@code sender_bcc_maps}).
 */
public final class PostfixTables {
  private static final Map<String, TableRole> MAPS = maps();
  private static final Pattern RESTRICTIONS = Pattern.compile("smtpd_[a-z_]+_restrictions");
  private static final Pattern ACCESS = Pattern.compile("check_[a-z_]+_access");
  private static final Pattern COMPOSITE = Pattern.compile("(unionmap|pipemap):(\\{.*\\})");
  private static final String POLICY = "check_policy_service";
  private static final int POSTCONF_OUTPUT_LIMIT = 1 << 20;

  private PostfixTables() {}

  private static Map<String, TableRole> maps() {
    Map<String, TableRole> m = new LinkedHashMap<>();
    for (String name :
        List.of(
            "virtual_mailbox_maps",
            "virtual_alias_maps",
            "relay_recipient_maps",
            "local_recipient_maps",
            "recipient_canonical_maps",
            "canonical_maps",
            "relocated_maps",
            "mydestination",
            "virtual_alias_domains",
            "virtual_mailbox_domains",
            "relay_domains")) {
      m.put(name, TableRole.RECIPIENT);
    }
    m.put("smtpd_sender_login_maps", TableRole.SENDER);
    m.put("sender_canonical_maps", TableRole.SENDER);
    for (String name :
        List.of(
            "transport_maps",
            "sender_dependent_relayhost_maps",
            "sender_dependent_default_transport_maps")) {
      m.put(name, TableRole.ROUTING);
    }
    return m;
  }

  /** Runs {@code postconf -x} (with {@code -c} when given) under {@code deadline}. */
  public static Map<String, String> readPostconf(
      CommandRunner runner, Optional<Path> configDirectory, Duration deadline)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("postconf", "-x"));
    configDirectory.ifPresent(dir -> command.addAll(List.of("-c", dir.toString())));
    CommandOutput out = runner.run(command, deadline);
    if (out.timedOut() || out.exitCode() != 0) {
      String why =
          out.timedOut()
              ? "no answer within " + Units.formatDuration(deadline)
              : "exit " + out.exitCode();
      throw new IOException(
          String.join(" ", command) + " failed (" + why + "): " + out.stderr().strip());
    }
    return parsePostconf(out.stdout());
  }

  /** The default runner's output limit for postconf: its full output is tens of KiB. */
  public static BoundedCommand postconfRunner() {
    return new BoundedCommand(POSTCONF_OUTPUT_LIMIT);
  }

  /** {@code name = value} lines; postconf prints an empty value as {@code name =}. */
  static Map<String, String> parsePostconf(String text) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf(" =");
      if (eq > 0) {
        params.put(line.substring(0, eq), line.substring(eq + 2).strip());
      }
    }
    return params;
  }

  /**
   * @param params Postfix's parameters with {@code $name} already expanded
   */
  public static PostfixBackends discover(Map<String, String> params) {
    Map<String, LookupTable> tables = new LinkedHashMap<>();
    Map<String, PolicyService> policies = new LinkedHashMap<>();
    List<String> unreadable = new ArrayList<>();
    Path queueDirectory = Path.of(params.getOrDefault("queue_directory", "/var/spool/postfix"));
    MAPS.forEach(
        (name, role) ->
            PostfixList.split(params.getOrDefault(name, ""))
                .forEach(e -> addTable(e, role, tables)));
    for (String name : restrictionLists(params)) {
      List<String> elements = PostfixList.split(params.getOrDefault(name, ""));
      for (int i = 0; i + 1 < elements.size(); i++) {
        if (ACCESS.matcher(elements.get(i)).matches()) {
          addTable(elements.get(i + 1), TableRole.ACCESS, tables);
        } else if (elements.get(i).equals(POLICY)) {
          // Skipped, not fatal: smtpd's own list must never keep this daemon from starting.
          try {
            PolicyService service = policy(elements.get(i + 1), queueDirectory);
            policies.putIfAbsent(service.spec(), service);
          } catch (IllegalArgumentException e) {
            unreadable.add(
                POLICY
                    + " "
                    + elements.get(i + 1)
                    + " in "
                    + name
                    + " is not probed: "
                    + e.getMessage());
          }
        }
      }
    }
    return new PostfixBackends(
        List.copyOf(tables.values()), List.copyOf(policies.values()), unreadable);
  }

  /**
   * The smtpd_*_restrictions, then the classes of smtpd_restriction_classes, each in name order.
   */
  private static List<String> restrictionLists(Map<String, String> params) {
    List<String> names =
        new ArrayList<>(
            new TreeMap<>(params)
                .keySet().stream().filter(n -> RESTRICTIONS.matcher(n).matches()).toList());
    names.addAll(
        PostfixList.split(params.getOrDefault("smtpd_restriction_classes", "")).stream()
            .sorted()
            .toList());
    return names;
  }

  /**
   * A table element; only ones with a {@code type:} are tables (a domain list also holds names).
   */
  private static void addTable(String element, TableRole role, Map<String, LookupTable> tables) {
    String spec = element.startsWith("!") ? element.substring(1) : element;
    var composite = COMPOSITE.matcher(spec);
    if (composite.matches()) {
      PostfixList.ungroup(composite.group(2)).forEach(e -> addTable(e, role, tables));
      return;
    }
    if (spec.indexOf(':') <= 0) {
      return;
    }
    LookupTable.parse(spec, role)
        .ifPresent(t -> tables.merge(t.spec(), t, PostfixTables::firstRole));
  }

  private static LookupTable firstRole(LookupTable a, LookupTable b) {
    return b.role().compareTo(a.role()) < 0 ? a.withRole(b.role()) : a;
  }

  /** {@code inet:host:port}, or Postfix 3's {@code { inet:host:port, timeout=10s, ... }}. */
  private static PolicyService policy(String element, Path queueDirectory) {
    String endpoint =
        PostfixList.ungroup(element).stream()
            .filter(e -> !e.contains("="))
            .findFirst()
            .orElse(element);
    return PolicyService.parse(endpoint, queueDirectory);
  }
}
