package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.config.Config;
import io.headroom.config.LookupSettings;
import io.headroom.config.PolicyService;
import io.headroom.config.TableFileAccess;
import io.headroom.support.ConfigFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LookupBackendsTest {
  private static final Map<String, String> POSTFIX =
      Map.of(
          "mydomain", "example.org",
          "virtual_mailbox_maps", "proxy:ldap:/etc/postfix/ldap-users.cf",
          "smtpd_sender_login_maps", "pgsql:/etc/postfix/pgsql-logins.cf",
          "smtpd_recipient_restrictions",
              "check_policy_service inet:127.0.0.1:10023, check_policy_service unix:private/policyd-spf");
  private static final Function<PolicyService, Optional<String>> REACHABLE = p -> Optional.empty();

  @TempDir Path dir;
  private final AtomicInteger postconfRuns = new AtomicInteger();

  private LookupSettings settings(String... lines) throws Exception {
    Config c = ConfigFiles.parse(dir, lines);
    return c.lookup();
  }

  private LookupBackends.Postconf postconf(Map<String, String> params) {
    return () -> {
      postconfRuns.incrementAndGet();
      return params;
    };
  }

  private static List<String> names(List<Probe> probes) {
    return probes.stream().map(Probe::name).toList();
  }

  @Test
  void autoProbesWhatPostfixConsultsWithTheCanaryInItsDomain() throws Exception {
    LookupBackends found =
        LookupBackends.find(
            settings(), true, true, postconf(POSTFIX), new TableFileAccess(p -> true), REACHABLE);

    assertEquals(
        List.of(
            "lookup:ldap:/etc/postfix/ldap-users.cf", "lookup:pgsql:/etc/postfix/pgsql-logins.cf"),
        names(found.tableProbes()));
    assertEquals(
        List.of("policy:inet:127.0.0.1:10023", "policy:unix:private/policyd-spf"),
        names(found.policyProbes()));
    assertEquals("headroom-probe@example.org", found.canary());
    assertEquals(List.of(), found.warnings());
    Probe ldap = found.tableProbes().get(0);
    assertEquals("Recipient directory (LDAP)", ldap.noun());
    assertEquals("ldap:/etc/postfix/ldap-users.cf", ldap.subject());
    assertEquals(Measure.LOOKUP_TABLE_UP, ldap.measure());
    assertEquals(Optional.of(Duration.ofSeconds(5)), ldap.ownDeadline());
  }

  /** Probing what the daemon may not read would defer all mail for a misconfiguration. */
  @Test
  void anAutoFoundBackendTheDaemonCannotReachIsSkippedWithTheFix() throws Exception {
    Function<PolicyService, Optional<String>> privateDirectory =
        p -> p.spec().startsWith("unix:") ? Optional.of("closed") : Optional.empty();
    LookupBackends found =
        LookupBackends.find(
            settings(),
            true,
            true,
            postconf(POSTFIX),
            new TableFileAccess(p -> !p.toString().contains("ldap")),
            privateDirectory);

    assertEquals(List.of("lookup:pgsql:/etc/postfix/pgsql-logins.cf"), names(found.tableProbes()));
    assertEquals(List.of("policy:inet:127.0.0.1:10023"), names(found.policyProbes()));
    assertEquals(
        List.of(
            "lookup_tables = auto: ldap:/etc/postfix/ldap-users.cf (Recipient directory) is not probed:"
                + " /etc/postfix/ldap-users.cf does not exist (or a directory on its path cannot be searched)",
            "policy_services = auto: unix:private/policyd-spf is not probed: closed"),
        found.warnings());
  }

  /**
   * smtpd's own list must never keep the daemon from starting: an endpoint it cannot read (here one
   * without a port) once threw out of the search, at start, status and --check-config.
   */
  @Test
  void aLocalPolicyServiceIsProbedAndAnUnreadableOneSkippedWithAWarning() throws Exception {
    Map<String, String> mainCf =
        Map.of(
            "mydomain",
            "example.org",
            "smtpd_recipient_restrictions",
            "check_policy_service local:private/policy, check_policy_service inet:policy.example");
    LookupBackends found =
        LookupBackends.find(
            settings(), true, true, postconf(mainCf), new TableFileAccess(p -> true), REACHABLE);

    assertEquals(List.of("policy:local:private/policy"), names(found.policyProbes()));
    assertEquals(
        List.of(
            "policy_services = auto: check_policy_service inet:policy.example in"
                + " smtpd_recipient_restrictions is not probed: \"policy.example\" has no port"),
        found.warnings());
  }

  @Test
  void aFailedPostconfIsAWarningAndNothingIsFound() throws Exception {
    LookupBackends.Postconf broken =
        () -> {
          throw new IOException(
              "postconf -x failed (exit 1): postconf: fatal: open /etc/postfix/main.cf");
        };
    LookupBackends found =
        LookupBackends.find(
            settings(), true, true, broken, new TableFileAccess(p -> true), REACHABLE);

    assertEquals(List.of(), found.tableProbes());
    assertEquals(
        List.of(
            "postconf -x failed (exit 1): postconf: fatal: open /etc/postfix/main.cf: lookup tables"
                + " and policy services set to auto are not probed"),
        found.warnings());
  }

  @Test
  void nothingToFindRunsNoPostconf() throws Exception {
    LookupBackends off =
        LookupBackends.find(
            settings(), false, false, postconf(POSTFIX), new TableFileAccess(p -> true), REACHABLE);
    LookupBackends listed =
        LookupBackends.find(
            settings(
                "lookup_tables = tcp:127.0.0.1:2525",
                "lookup_canary = probe@example.net",
                "policy_services = inet:127.0.0.1:10023"),
            true,
            true,
            postconf(POSTFIX),
            new TableFileAccess(p -> true),
            REACHABLE);

    assertEquals(List.of(), off.tableProbes());
    assertEquals(List.of(), off.policyProbes());
    assertEquals(List.of("lookup:tcp:127.0.0.1:2525"), names(listed.tableProbes()));
    assertEquals("Lookup table (tcp)", listed.tableProbes().get(0).noun());
    assertEquals(List.of("policy:inet:127.0.0.1:10023"), names(listed.policyProbes()));
    assertEquals(0, postconfRuns.get());
  }
}
