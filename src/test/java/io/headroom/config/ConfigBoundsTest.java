package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.ConfigFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks that make an accepted file work: bounds, existence, names parsed here, and their
 * texts.
 */
class ConfigBoundsTest {
  @TempDir Path dir;

  private Config parse(String... lines) throws Exception {
    return ConfigFiles.parse(dir, lines);
  }

  private List<String> problems(String... lines) {
    return ConfigFiles.problems(dir, lines);
  }

  private String at(int line) {
    return dir.resolve("headroom.conf") + ":" + line + ": ";
  }

  @Test
  void durationsHaveUpperBoundsAndNeverOverflow() {
    assertEquals(
        List.of(at(1) + "probe_interval: \"9999999999999h\" is more than 1h"),
        problems("probe_interval = 9999999999999h"));
    assertEquals(
        List.of(at(1) + "idle_timeout: \"99999999999999999999999999h\" is more than 1h"),
        problems("idle_timeout = 99999999999999999999999999h"));
    assertEquals(
        List.of(
            at(1) + "probe_timeout: \"6m\" is more than 5m",
            at(2) + "dns_timeout: \"31s\" is more than 30s",
            at(3) + "shutdown_timeout: \"11m\" is more than 10m",
            at(4) + "scan_timeout: \"601s\" is more than 10m",
            at(5) + "scan_timeout_per_mib: \"61s\" is more than 1m"),
        problems(
            "probe_timeout = 6m",
            "dns_timeout = 31s",
            "shutdown_timeout = 11m",
            "scan_timeout = 601s",
            "scan_timeout_per_mib = 61s"));
  }

  @Test
  void queueRecursionAndDrainSettingsNameTheirLineAndKey() {
    assertEquals(
        List.of(
            at(1)
                + "queue_max_messages: \"lots\" is not off or a number of messages from 0 to 1000000000",
            at(2)
                + "queue_timeout: 5s is not below probe_timeout = 5s (the probe's own deadline would cut the count"
                + " off first)",
            at(3) + "queue_postfix_config: \"etc/postfix\" is not an absolute path",
            at(4)
                + "dns_recursion_names: needs at least one value (set dns_recursion_mode = off to stop the check)",
            at(5) + "dns_recursion_interval: \"2h\" is more than 1h",
            at(6) + "dns_tcp_retry: \"maybe\" is not yes or no",
            at(7) + "drain_file: \"drain\" is not an absolute path",
            at(8) + "queue_mode: \"count\" is not one of enforce, monitor, off"),
        problems(
            "queue_max_messages = lots",
            "queue_timeout = 5s",
            "queue_postfix_config = etc/postfix",
            "dns_recursion_names =",
            "dns_recursion_interval = 2h",
            "dns_tcp_retry = maybe",
            "drain_file = drain",
            "queue_mode = count"));
  }

  @Test
  void anUnsetQueueTimeoutStaysBelowAShortProbeTimeout() throws Exception {
    assertEquals(
        Duration.ofMillis(800),
        parse("probe_interval = 1s", "probe_timeout = 1s").queue().timeout());
    assertEquals(Duration.ofSeconds(4), parse().queue().timeout());
  }

  /**
   * Cut off by probe_timeout, a DNS probe never reaches its own deadline, perhaps not even its
   * retransmission at half of it; dns_recursion, which acts on one result, then defers mail on one
   * lost packet.
   */
  @Test
  void dnsTimeoutAboveProbeTimeoutIsRefused() {
    assertEquals(
        List.of(
            at(3)
                + "dns_timeout: 2s is not below probe_timeout = 1s (the probe's own deadline would"
                + " cut the DNS questions off first)"),
        problems("probe_interval = 1s", "probe_timeout = 1s", "dns_timeout = 2s"));
    assertEquals(
        List.of(
            at(1)
                + "dns_timeout: 5s is not below probe_timeout = 5s (the probe's own deadline would"
                + " cut the DNS questions off first)"),
        problems("dns_timeout = 5s"));
  }

  @Test
  void anUnsetDnsTimeoutStaysBelowAShortProbeTimeout() throws Exception {
    assertEquals(
        Duration.ofMillis(800), parse("probe_interval = 1s", "probe_timeout = 1s").dns().timeout());
    assertEquals(Duration.ofSeconds(2), parse("probe_interval = 300ms").dns().timeout());
    assertEquals(Duration.ofSeconds(2), parse().dns().timeout());
    assertEquals(Duration.ofMillis(4900), parse("dns_timeout = 4900ms").dns().timeout());
  }

  @Test
  void numbersHaveBounds() {
    assertEquals(
        List.of(
            at(1) + "max_sessions: \"100001\" is more than 100000",
            at(2) + "fail_after: \"99999999999\" is not a whole number above zero",
            at(3) + "cpu_max_load_per_core: \"1000.5\" is more than 1000",
            at(4) + "scan_max_size: \"99999999999999999999\" is too large"),
        problems(
            "max_sessions = 100001",
            "fail_after = 99999999999",
            "cpu_max_load_per_core = 1000.5",
            "scan_max_size = 99999999999999999999"));
  }

  @Test
  void probeTimeoutAboveProbeIntervalNamesBoth() {
    assertEquals(
        List.of(
            at(2)
                + "probe_timeout: 3s is above probe_interval = 1s"
                + " (a round of probes must end before the next is due)"),
        problems("probe_interval = 1s", "probe_timeout = 3s"));
  }

  @Test
  void probeTimeoutIsFiveSecondsUnlessSet() throws Exception {
    assertEquals(Duration.ofSeconds(5), parse("probe_interval = 300ms").probeTimeout());
    assertEquals(
        Duration.ofMillis(300),
        parse("probe_interval = 300ms", "probe_timeout = 300ms").probeTimeout());
    assertEquals(
        List.of(
            at(1)
                + "probe_timeout: 5s is above probe_interval = 2s"
                + " (a round of probes must end before the next is due)"),
        problems("probe_timeout = 5s"));
  }

  @Test
  void dnsProbeNamesAreParsedHereAndEveryBadOneIsReported() {
    String long64 = "a".repeat(64);
    String long256 = "abcdefghi.".repeat(26);
    assertEquals(
        List.of(
            at(1) + "dns_probe_names: \"a..b\" is not a domain name: it has an empty label",
            at(1)
                + "dns_probe_names: \""
                + long64
                + ".example\" is not a domain name: a label is longer than 63"
                + " characters",
            at(1)
                + "dns_probe_names: \""
                + long256
                + "\" is not a domain name: it is longer than 255 octets",
            at(1)
                + "dns_probe_names: \"bücher.example\" is not a domain name (ASCII only: write an"
                + " international name in its xn-- form)"),
        problems("dns_probe_names = . a..b " + long64 + ".example " + long256 + " bücher.example"));
  }

  @Test
  void dnsResolversAreAddressesWithAPort() throws Exception {
    assertEquals(
        List.of(
            at(1) + "dns_resolvers: \"resolver.example\" is not an IP address",
            at(1) + "dns_resolvers: \"127.0.0.1:0\" has no valid port (1-65535)"),
        problems("dns_resolvers = resolver.example, 127.0.0.1:0, 127.0.0.1:5353"));
    assertEquals(
        List.of(at(1) + "dns_resolvers: \"system\" cannot be combined with addresses"),
        problems("dns_resolvers = system 127.0.0.1"));
    assertEquals(
        List.of("[2001:db8::53]:53", "[::1]:53"),
        parse("dns_resolvers = [2001:db8::53]:53 ::1").dns().resolvers().stream()
            .map(HostPort::format)
            .toList());
  }

  @Test
  void listenHostsAreAddressesOrLocalhostAndSocketDirectoriesExist() throws Exception {
    assertEquals(
        List.of(
            at(1)
                + "listen: \"host.invalid:8899\" needs an IP address or localhost as host"
                + " (a name is resolved only at start)",
            at(2) + "metrics_listen: \"127.0.0.1:0\" has no valid port (1-65535)"),
        problems("listen = inet:host.invalid:8899", "metrics_listen = 127.0.0.1:0"));
    assertEquals(
        List.of(
            at(1)
                + "listen: \"unix:/nonexistent/milter.sock\": directory /nonexistent does not exist"),
        problems("listen = unix:/nonexistent/milter.sock"));
    assertEquals("inet:localhost:8899", parse("listen = inet:localhost:8899").listen().toString());
  }

  @Test
  void theSocketGroupMustExist() throws Exception {
    assertEquals(
        List.of(
            at(1) + "listen_socket_group: group \"nosuchgroup\" does not exist on this machine"),
        problems("listen_socket_group = nosuchgroup"));
    assertEquals("root", parse("listen_socket_group = root").sessions().socketGroup());
  }

  @Test
  void directoriesMustExist() throws Exception {
    Path file = Files.writeString(dir.resolve("plain"), "");
    assertEquals(
        List.of(
            at(1) + "disk_paths: \"/nonexistent\" is not an existing directory",
            at(1) + "disk_paths: \"" + file + "\" is not an existing directory",
            at(2) + "spool_probe_directory: \"/nonexistent\" is not an existing directory"),
        problems(
            "disk_paths = /nonexistent, " + dir + ", " + file,
            "spool_probe_directory = /nonexistent"));
  }

  @Test
  void bypassNetworksReadsWhatMynetworksWritesAndSaysWhatItDoesNot() throws Exception {
    assertEquals(
        List.of(
            at(1)
                + "bypass_networks: \"/etc/postfix/network_table\" is a file: list its address blocks here"
                + " instead (only addresses and CIDR blocks are read, not Postfix's files)",
            at(1)
                + "bypass_networks: \"cidr:/etc/postfix/networks\" is a lookup table: list its address blocks"
                + " here instead (only addresses and CIDR blocks are read, not Postfix's type:table)",
            at(1)
                + "bypass_networks: \"!192.0.2.7\" is an exclusion, which is not supported here: list only"
                + " the blocks to bypass"),
        problems(
            "bypass_networks = 192.0.2.0/24 /etc/postfix/network_table cidr:/etc/postfix/networks"
                + " !192.0.2.7 [2001:db8::]/32"));
    Config c = parse("bypass_networks = 192.0.2.1 [::1] [2001:db8::]/32 10.0.0.0/8");
    assertEquals(
        "[192.0.2.1/32, 0:0:0:0:0:0:0:1/128, 2001:db8:0:0:0:0:0:0/32, 10.0.0.0/8]",
        c.bypass().networks().toString());
  }

  @Test
  void hostBitsAreAWarningNotAnError() throws Exception {
    Path conf =
        Files.writeString(
            dir.resolve("headroom.conf"), "\nbypass_networks = 10.0.0.1/8 192.0.2.0/24\n");
    ParsedConfig parsed = ConfigParser.read(conf);
    assertEquals(
        List.of(at(2) + "bypass_networks: \"10.0.0.1/8\" has host bits set; it means 10.0.0.0/8"),
        parsed.warnings().stream().map(ConfigProblem::toString).toList());
    assertTrue(
        parsed.config().bypass().covers(java.net.InetAddress.getByName("10.200.0.1"), false));
  }

  @Test
  void aListedItemRepeatedIsDroppedWithAWarning() throws Exception {
    // Written twice, a path gave two disk probes of one name that shared one damper: the second
    // never ran and timed out in every round, so the check never recovered and mail was deferred.
    Path conf =
        Files.writeString(
            dir.resolve("headroom.conf"),
            "\ndisk_paths = " + dir + " " + dir + "/\nbypass_networks = 10.0.0.0/8 10.0.0.0/8\n");
    ParsedConfig parsed = ConfigParser.read(conf);
    assertEquals(
        List.of(
            at(2) + "disk_paths: \"" + dir + "/\" repeats \"" + dir + "\"; the repeat is ignored",
            at(3) + "bypass_networks: \"10.0.0.0/8\" is listed twice; the repeat is ignored"),
        parsed.warnings().stream().map(ConfigProblem::toString).toList());
    assertEquals(List.of(dir), parsed.config().disk().paths());
    assertEquals(1, parsed.config().bypass().networks().size());
  }

  @Test
  void eachCheckHasAStageDefaultingToDeferStage() throws Exception {
    Config c = parse("defer_stage = mail", "dns_stage = data");
    assertEquals(Stage.DATA, c.stage(Check.DNS));
    assertEquals(Stage.MAIL, c.stage(Check.DISK));
    assertEquals(
        Stage.MAIL,
        Check.LOOKUP.defaultStage().orElseThrow(),
        "lookups answer before Postfix's own");
    for (Check check : Check.values()) {
      if (check == Check.DNS) {
        continue;
      }
      Stage expected = check.defaultStage().orElse(Stage.MAIL);
      assertEquals(
          expected, c.stage(check), check.label() + " answers at its own default or defer_stage");
    }
  }

  @Test
  void authenticatedBypassNeedsEveryStageInUseAfterAuth() throws Exception {
    assertEquals(
        List.of(
            at(2)
                + "bypass_authenticated: needs dns_stage mail, rcpt or data"
                + " (SMTP AUTH happens after HELO)"),
        problems("dns_stage = helo", "bypass_authenticated = yes"));
    assertTrue(
        parse("dns_stage = helo", "dns_mode = off", "bypass_authenticated = yes")
            .bypass()
            .authenticated(),
        "a check that is off uses no stage");
  }

  @Test
  void aByteOrderMarkIsReadAsNothing() throws Exception {
    Path conf = dir.resolve("headroom.conf");
    Files.write(conf, "\uFEFFdisk_min_free = 2G\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(2L << 30, ConfigParser.parse(conf).disk().minFree().amount());
  }

  @Test
  void aFarMisspellingGetsNoSuggestion() {
    assertEquals(List.of(at(1) + "colour: unknown name"), problems("colour = blue"));
    assertEquals(
        List.of(at(1) + "dns_timout: unknown name; did you mean dns_timeout?"),
        problems("dns_timout = 2s"));
  }
}
