package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.ConfigFiles;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {
  @TempDir Path dir;

  private Config parse(String... lines) throws Exception {
    return ConfigFiles.parse(dir, lines);
  }

  private List<String> problems(String... lines) {
    return ConfigFiles.problems(dir, lines);
  }

  private String file() {
    return dir.resolve("headroom.conf").toString();
  }

  /** The start line and every reader of the mode see what the probes do: no recursion asked. */
  @Test
  void dnsModeOffTurnsTheRecursionCheckOffToo() throws Exception {
    assertEquals(Mode.OFF, parse("dns_mode = off").mode(Check.DNS_RECURSION));
    assertEquals(
        Mode.MONITOR,
        parse("dns_mode = monitor", "dns_recursion_mode = monitor").mode(Check.DNS_RECURSION));
    assertEquals(Mode.ENFORCE, parse("dns_mode = monitor").mode(Check.DNS_RECURSION));
  }

  /** What a SIGHUP cannot apply, named for its warning; the rest of the file reloads. */
  @Test
  void aReloadNamesTheSocketSettingsThatWaitForARestart() throws Exception {
    Config running = ConfigParser.defaults();
    String group =
        ((java.nio.file.attribute.GroupPrincipal) Files.getAttribute(dir, "posix:group")).getName();

    assertEquals(
        List.of(), parse("probe_interval = 5s", "max_sessions = 10").changedUntilRestart(running));
    assertEquals(
        List.of("listen", "listen_socket_mode", "listen_socket_group", "metrics_listen"),
        parse(
                "metrics_listen = off",
                "listen = unix:" + dir.resolve("milter.sock"),
                "listen_socket_group = " + group,
                "listen_socket_mode = 0600")
            .changedUntilRestart(running));
  }

  @Test
  void defaultsMatchTheContract() {
    Config c = ConfigParser.defaults();
    assertEquals("inet:127.0.0.1:8899", c.listen().toString());
    assertEquals("127.0.0.1:9899", HostPort.format(c.metricsListen().orElseThrow()));
    assertEquals(Stage.RCPT, c.deferStage());
    assertEquals(Duration.ofSeconds(2), c.probeInterval());
    assertEquals("5%", c.disk().minFree().toString());
    assertEquals("5%", c.disk().minFreeInodes().toString());
    assertEquals("5%", c.memoryMinAvailable().toString());
    assertEquals(4.0, c.cpuMaxLoadPerCore());
    assertTrue(c.dns().usesSystemResolvers());
    assertEquals(List.of(DnsQuestion.parse(".")), c.dns().probeNames());
    assertEquals(Duration.ofSeconds(2), c.dns().timeout());
    assertTrue(c.scan().scanners().isEmpty());
    assertEquals(Duration.ofSeconds(30), c.scan().timeout());
    for (Check check : Check.values()) {
      assertEquals(Mode.ENFORCE, c.mode(check));
    }
    Path expectedDisk =
        Files.isDirectory(Path.of("/var/spool/postfix"))
            ? Path.of("/var/spool/postfix")
            : Path.of("/");
    assertEquals(List.of(expectedDisk), c.disk().paths());
  }

  /**
   * The shipped, annotated file states every default: parsing it must give the built-in defaults.
   */
  @Test
  void shippedConfigIsTheDefaults() throws Exception {
    Config shipped = ConfigParser.parse(Path.of("conf/headroom.conf"));
    Config defaults = ConfigParser.defaults();
    assertEquals(Optional.of(Path.of("conf/headroom.conf")), shipped.source());
    assertEquals(
        new Config(
            Optional.empty(),
            shipped.listeners(),
            shipped.sessions(),
            shipped.schedule(),
            shipped.gate(),
            shipped.bypass(),
            shipped.resources(),
            shipped.dns(),
            shipped.scan(),
            shipped.recursion(),
            shipped.queue(),
            shipped.drain(),
            shipped.lookup()),
        defaults);
  }

  /**
   * The shipped file sets nothing that reads differently set than unset: probe_timeout uncommented
   * there, as its comment invites, means what it means alone (dns_timeout and queue_timeout shrink
   * to 80% of a shorter one), not an error about lines the admin never touched.
   */
  @Test
  void shippedConfigWithAShorterProbeTimeoutReadsAsThatSettingAlone() throws Exception {
    List<String> shipped = Files.readAllLines(Path.of("conf/headroom.conf"));
    assertTrue(shipped.contains("#probe_timeout = 5s"), "conf/headroom.conf shows probe_timeout");
    Path edited =
        Files.write(
            dir.resolve("edited.conf"),
            shipped.stream()
                .map(l -> l.equals("#probe_timeout = 5s") ? "probe_timeout = 2s" : l)
                .toList());
    Path alone = Files.write(dir.resolve("alone.conf"), List.of("probe_timeout = 2s"));

    ConfigException refused = null;
    try {
      assertEquals(
          withoutSource(ConfigParser.parse(alone)), withoutSource(ConfigParser.parse(edited)));
    } catch (ConfigException e) {
      refused = e;
    }
    assertEquals(List.of(), refused == null ? List.of() : refused.problems());
  }

  private static Config withoutSource(Config c) {
    return new Config(
        Optional.empty(),
        c.listeners(),
        c.sessions(),
        c.schedule(),
        c.gate(),
        c.bypass(),
        c.resources(),
        c.dns(),
        c.scan(),
        c.recursion(),
        c.queue(),
        c.drain(),
        c.lookup());
  }

  /** The contract names every setting the parser knows, with its default. */
  @Test
  void everyKnownSettingIsDocumented() throws Exception {
    String conf = Files.readString(Path.of("conf/headroom.conf"));
    String readme = Files.readString(Path.of("README.md"));
    for (Setting s : ConfigParser.readDefaults().settings()) {
      assertTrue(
          java.util.regex.Pattern.compile("(?m)^#?" + s.name() + " =").matcher(conf).find(),
          s.name() + " in conf/headroom.conf");
      assertTrue(readme.contains("`" + s.name() + "`"), s.name() + " in README.md");
    }
  }

  @Test
  void readsEveryKindOfValue() throws Exception {
    Config c =
        parse(
            "# comment",
            "listen = unix:" + dir.resolve("milter.sock"),
            "metrics_listen = off",
            "defer_stage = DATA",
            "disk_paths = /var/spool/postfix,",
            "   /var/lib",
            "disk_min_free = 2G",
            "memory_min_available = 12.5%",
            "dns_resolvers = 127.0.0.1:5353 [::1]:53 10.0.0.1",
            "dns_probe_names = example.org. .",
            "scanners = clamd:unix:/run/clamav/clamd.ctl, spamd:tcp:127.0.0.1:783",
            "dns_mode = monitor",
            "cpu_mode = off",
            "bypass_networks = 192.168.0.0/16 [::1]/128",
            "spam_reject_score = off");
    assertEquals(new ListenAddress.Unix(dir.resolve("milter.sock")), c.listen());
    assertTrue(c.metricsListen().isEmpty());
    assertEquals(Stage.DATA, c.deferStage());
    assertEquals(List.of(Path.of("/var/spool/postfix"), Path.of("/var/lib")), c.disk().paths());
    assertEquals(2L << 30, c.disk().minFree().amount());
    assertEquals(new BigDecimal("0.125"), c.memoryMinAvailable().ratio());
    assertEquals(
        List.of("127.0.0.1:5353", "[::1]:53", "10.0.0.1:53"),
        c.dns().resolvers().stream().map(HostPort::format).toList());
    assertEquals(
        List.of(DnsQuestion.parse("example.org"), DnsQuestion.parse(".")), c.dns().probeNames());
    assertEquals(
        "[clamd:unix:/run/clamav/clamd.ctl, spamd:tcp:127.0.0.1:783]",
        c.scan().scanners().toString());
    assertEquals(Mode.MONITOR, c.mode(Check.DNS));
    assertEquals(Mode.OFF, c.mode(Check.CPU));
    assertTrue(c.bypass().covers(InetAddress.getByName("192.168.4.5"), false));
    assertTrue(c.bypass().covers(InetAddress.getByName("::1"), false));
    assertFalse(c.bypass().covers(InetAddress.getByName("192.169.0.1"), false));
    assertTrue(Double.isNaN(c.scan().spamRejectScore()));
  }

  /**
   * postconf(5): empty, whitespace-only and comment lines are ignored, so they neither end a value
   * nor break it off from its continuation lines.
   */
  @Test
  void aBlankLineInsideAContinuedValueIsIgnoredAsInMainCf() throws Exception {
    assertEquals(
        List.of(DnsQuestion.parse("."), DnsQuestion.parse("example.org")),
        parse("dns_probe_names = .,", "", "  ", "  example.org").dns().probeNames());
    assertEquals(
        List.of(
            file() + ":2: dns_probe_names: \"a..b\" is not a domain name: it has an empty label",
            file() + ":5: probe_interval: \"2\" is not a duration (like 250ms, 2s, 5m)"),
        problems("", "dns_probe_names = .,", "", "  a..b", "probe_interval = 2"));
  }

  @Test
  void aCommentLineInsideAContinuedValueIsIgnoredAsInMainCf() throws Exception {
    assertEquals(
        List.of(DnsQuestion.parse("."), DnsQuestion.parse("example.org")),
        parse("dns_probe_names = .,", "# our own zone:", "  example.org").dns().probeNames());
  }

  @Test
  void badValueNamesFileLineAndKey() {
    assertEquals(
        List.of(file() + ":3: disk_min_free: \"5 %\" is not a ratio or size (like 5% or 2G)"),
        problems("listen = inet:127.0.0.1:8899", "", "disk_min_free = 5 %"));
  }

  @Test
  void unknownNameIsAnError() {
    assertEquals(
        List.of(file() + ":2: disk_min_fre: unknown name; did you mean disk_min_free?"),
        problems("# typo below", "disk_min_fre = 5%"));
  }

  @Test
  void duplicateIsAnError() {
    assertEquals(
        List.of(file() + ":4: probe_interval: duplicate; first set on line 1"),
        problems("probe_interval = 2s", "disk_mode = monitor", "", "probe_interval = 3s"));
  }

  @Test
  void everyProblemIsReportedInLineOrder() {
    assertEquals(
        List.of(
            file() + ":1: defer_stage: \"queue\" is not one of connect, helo, mail, rcpt, data",
            file() + ":2: probe_interval: \"2\" is not a duration (like 250ms, 2s, 5m)",
            file() + ":3: nonsense line: expected \"name = value\"",
            file()
                + ":4: scanners: \"clamav:tcp:127.0.0.1:3310\" names an unknown scanner \"clamav\" (clamd or spamd)",
            file() + ":5: dns_mode: \"warn\" is not one of enforce, monitor, off"),
        problems(
            "defer_stage = queue",
            "probe_interval = 2",
            "nonsense line",
            "scanners = clamav:tcp:127.0.0.1:3310",
            "dns_mode = warn"));
  }

  @Test
  void rejectsOutOfRangeValues() {
    assertEquals(
        List.of(file() + ":1: disk_min_free: \"150%\" is more than 100%"),
        problems("disk_min_free = 150%"));
    assertEquals(
        List.of(file() + ":1: listen: \"127.0.0.1:99999\" has no valid port (1-65535)"),
        problems("listen = inet:127.0.0.1:99999"));
    assertEquals(
        List.of(file() + ":1: bypass_networks: \"10.0.0.0/33\" has a prefix length outside 0-32"),
        problems("bypass_networks = 10.0.0.0/33"));
    assertEquals(
        List.of(
            file() + ":1: bypass_networks: \"mail.example.com\" is not an address or CIDR block"),
        problems("bypass_networks = mail.example.com"));
    assertEquals(
        List.of(file() + ":1: probe_interval: \"0s\" must be more than zero"),
        problems("probe_interval = 0s"));
  }

  @Test
  void authenticatedBypassNeedsAStageAfterAuth() {
    assertEquals(
        List.of(
            file()
                + ":2: bypass_authenticated: needs defer_stage mail, rcpt or data"
                + " (SMTP AUTH happens after HELO)"),
        problems("defer_stage = helo", "bypass_authenticated = yes"));
  }

  @Test
  void missingFileIsAClearError() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigParser.parse(dir.resolve("nope.conf")));
    assertEquals(
        List.of(dir.resolve("nope.conf") + ": cannot read: no such file"),
        e.problems().stream().map(ConfigProblem::toString).toList());
  }
}
