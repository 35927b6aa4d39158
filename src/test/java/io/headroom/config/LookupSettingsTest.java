package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LookupSettingsTest {
  @TempDir Path dir;

  private Path file(String... lines) throws Exception {
    return Files.write(dir.resolve("headroom.conf"), List.of(lines));
  }

  private LookupSettings parse(String... lines) throws Exception {
    return ConfigParser.parse(file(lines)).lookup();
  }

  /** Each line, exactly as --check-config prints it. */
  private List<String> problems(String... lines) throws Exception {
    Path f = file(lines);
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(f));
    return e.problems().stream().map(ConfigProblem::toString).toList();
  }

  @Test
  void aListedSocketNeedsAnAbsolutePathUnderEitherOfPostfixsNames() throws Exception {
    Path f = file("policy_services = unix:private/a local:private/b");
    assertEquals(
        List.of(
            f
                + ":1: policy_services: \"unix:private/a\" needs an absolute path here, e.g."
                + " unix:/var/spool/postfix/private/a",
            f
                + ":1: policy_services: \"local:private/b\" needs an absolute path here, e.g."
                + " local:/var/spool/postfix/private/b"),
        problems("policy_services = unix:private/a local:private/b"));
  }

  @Test
  void defaultsFindTablesAndServicesInPostfixAndAnswerAtMail() throws Exception {
    Config c = ConfigParser.defaults();
    LookupSettings s = c.lookup();

    assertEquals(new BackendList<LookupTable>(true, List.of()), s.tables());
    assertEquals(new BackendList<PolicyService>(true, List.of()), s.policyServices());
    assertEquals(Duration.ofSeconds(10), s.interval());
    assertEquals(Duration.ofSeconds(5), s.timeout());
    assertEquals(Optional.empty(), s.canary());
    assertEquals(PolicyProbeMode.CONNECT, s.policyProbe());
    assertEquals(Duration.ofSeconds(2), s.policyTimeout());
    assertEquals(Optional.empty(), s.postfixConfigDirectory());
    assertEquals(Stage.MAIL, c.stage(Check.LOOKUP));
    assertEquals(Stage.MAIL, c.stage(Check.POLICY));
  }

  @Test
  void listedTablesAndServicesAreReadWithProxyStripped() throws Exception {
    Path ldap = Files.writeString(dir.resolve("ldap.cf"), "server_host = ldap://127.0.0.1\n");
    LookupSettings s =
        parse(
            "lookup_tables = proxy:ldap:" + ldap + ", tcp:127.0.0.1:2525",
            "policy_services = inet:127.0.0.1:10023 unix:/run/policyd/policyd.sock",
            "policy_probe = request",
            "lookup_canary = probe@example.org",
            "postfix_config_directory = " + dir,
            "lookup_probe_interval = 30s",
            "lookup_timeout = 10s");

    assertEquals(
        List.of(
            new LookupTable("ldap", ldap.toString(), TableRole.LISTED),
            new LookupTable("tcp", "127.0.0.1:2525", TableRole.LISTED)),
        s.tables().listed());
    assertEquals(
        List.of("inet:127.0.0.1:10023", "unix:/run/policyd/policyd.sock"),
        s.policyServices().listed().stream().map(PolicyService::spec).toList());
    assertEquals(
        InetSocketAddress.createUnresolved("127.0.0.1", 10023),
        s.policyServices().listed().get(0).address());
    assertEquals(PolicyProbeMode.REQUEST, s.policyProbe());
    assertEquals(Optional.of("probe@example.org"), s.canary());
    assertEquals(Optional.of(dir), s.postfixConfigDirectory());
  }

  @Test
  void emptyListsProbeNothing() throws Exception {
    LookupSettings s = parse("lookup_tables =", "policy_services =");

    assertEquals(true, s.tables().off());
    assertEquals(true, s.policyServices().off());
  }

  @Test
  void everyMistakeNamesFileLineAndKey() throws Exception {
    Path f = dir.resolve("headroom.conf");
    Path missing = dir.resolve("missing.cf");

    assertEquals(
        List.of(
            f
                + ":1: lookup_tables: \"hash:/etc/postfix/access\" is not a network table (ldap, mysql, pgsql, memcache,"
                + " tcp, socketmap): a local table is read from disk and cannot be unavailable",
            f
                + ":1: lookup_tables: "
                + missing
                + " does not exist (or a directory on its path cannot be searched)",
            f + ":2: policy_services: \"auto\" cannot be combined with a list",
            f
                + ":3: lookup_timeout: 10s is not below lookup_probe_interval = 10s (a hung postmap must be killed"
                + " before the next probe is due)",
            f
                + ":4: lookup_canary: \"headroom probe\" is not an address like headroom-probe@example.org",
            f + ":5: policy_probe: \"greylist\" is not one of connect, request"),
        problems(
            "lookup_tables = hash:/etc/postfix/access ldap:" + missing,
            "policy_services = auto inet:127.0.0.1:10023",
            "lookup_timeout = 10s",
            "lookup_canary = headroom probe",
            "policy_probe = greylist"));
  }

  /**
   * smtpd resolves unix:private/policy in its queue directory; the daemon is told the whole path.
   */
  @Test
  void aListedUnixServiceNeedsAnAbsolutePath() throws Exception {
    assertEquals(
        List.of(
            dir.resolve("headroom.conf")
                + ":1: policy_services: \"unix:private/policy\" needs an"
                + " absolute path here, e.g. unix:/var/spool/postfix/private/policy"),
        problems("policy_services = unix:private/policy"));
  }
}
