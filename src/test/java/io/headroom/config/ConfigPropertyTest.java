package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.probe.LookupBackends;
import io.headroom.probe.ProbeFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, point 4: whatever the parser accepts works. Every known setting gets edge cases and
 * seeded random values; each is either rejected with problems that all name that setting at its
 * line, or accepted into a Config within the documented bounds from which the probes build.
 */
class ConfigPropertyTest {
  private static final long SEED = 0x5eed_2026L;
  private static final int RANDOM_VALUES_PER_SETTING = 25;
  private static final String ALPHABET = "0123456789abcdefghmsk%.:/[],-_ GMT!#=ü日\t";
  private static final List<String> EDGE_CASES =
      List.of(
          "",
          "0",
          "-1",
          "-0",
          "1",
          "00",
          "0s",
          "0ms",
          "1ms",
          "1h",
          "61m",
          "3601s",
          "9999999999999h",
          "99999999999999999999999999",
          "99999999999999999999999999ms",
          "1e9",
          "NaN",
          "Infinity",
          "-Infinity",
          ".5",
          "5.",
          "4.0",
          "-4.0",
          "1000",
          "1000.1",
          "0%",
          "100%",
          "100.5%",
          "-5%",
          "8T",
          "9999999T",
          "2G",
          "off",
          "system",
          "yes",
          "no",
          "connect",
          "helo",
          "mail",
          "rcpt",
          "data",
          "monitor",
          "enforce",
          "reject",
          "tempfail",
          "quarantine",
          "skip",
          ".",
          "a..b",
          "x".repeat(64) + ".example",
          "ü.example",
          "日本語",
          "127.0.0.1",
          "127.0.0.1:0",
          "127.0.0.1:65536",
          "[::1]:53",
          "::1",
          "[::1",
          "resolver.example",
          "inet:127.0.0.1:1",
          "inet:localhost:65535",
          "inet:host.invalid:25",
          "inet::25",
          "unix:/",
          "unix:relative",
          "unix:/nonexistent/x.sock",
          "clamd:tcp:127.0.0.1:3310",
          "spamd:unix:/run/x",
          "clamd:unix:relative",
          "clamd:tcp:127.0.0.1:0",
          "/",
          "/nonexistent",
          "relative/path",
          "root",
          "nosuchgroup",
          "0777",
          "0888",
          "10.0.0.1/8",
          "10.0.0.0/33",
          "[::1]/129",
          "hash:/etc/postfix/x",
          "!10.0.0.0/8",
          "a, b, c",
          ",,,",
          "probe_interval",
          "=",
          "# not a comment");

  @TempDir Path dir;

  @Test
  void everyValueOfEverySettingIsRejectedAtItsLineOrWorks() throws Exception {
    Random random = new Random(SEED);
    List<String> names =
        ConfigParser.readDefaults().settings().stream().map(Setting::name).toList();
    assertTrue(names.size() > 40, "every known setting: " + names);
    int accepted = 0;
    for (String name : names) {
      List<String> values = new ArrayList<>(EDGE_CASES);
      for (int i = 0; i < RANDOM_VALUES_PER_SETTING; i++) {
        values.add(randomValue(random));
      }
      for (String value : values) {
        accepted += check(name, value) ? 1 : 0;
      }
    }
    assertTrue(accepted > names.size(), "some values were accepted: " + accepted);
  }

  /** True when accepted. */
  private boolean check(String name, String value) throws Exception {
    Path file = dir.resolve("headroom.conf");
    Files.write(
        file, ("# generated\n" + name + " = " + value + "\n").getBytes(StandardCharsets.UTF_8));
    String what = name + " = " + value;
    Config config;
    try {
      config = ConfigParser.parse(file);
    } catch (ConfigException e) {
      assertFalse(e.problems().isEmpty(), what);
      for (ConfigProblem p : e.problems()) {
        assertEquals(new ConfigProblem(file.toString(), 2, name, p.message()), p, what);
      }
      return false;
    }
    assertWithinBounds(config, what);
    assertDoesNotThrow(() -> ProbeFactory.fromConfig(config, LookupBackends.find(config)), what);
    return true;
  }

  private static void assertWithinBounds(Config c, String what) {
    assertBetween(c.probeInterval(), Duration.ofMillis(1), Duration.ofHours(1), what);
    assertBetween(c.probeTimeout(), Duration.ofMillis(1), Duration.ofMinutes(5), what);
    assertTrue(
        c.probeTimeout().compareTo(c.probeInterval()) <= 0 || !what.startsWith("probe_timeout "),
        what);
    assertTrue(c.failAfter() >= 1 && c.failAfter() <= 100, what);
    assertTrue(c.recoverAfter() >= 1 && c.recoverAfter() <= 100, what);
    assertBetween(c.sessions().idleTimeout(), Duration.ofMillis(1), Duration.ofHours(1), what);
    assertBetween(c.sessions().shutdownTimeout(), Duration.ZERO, Duration.ofMinutes(10), what);
    assertTrue(c.sessions().maxSessions() >= 1 && c.sessions().maxSessions() <= 100_000, what);
    assertTrue(c.sessions().socketMode() >= 0 && c.sessions().socketMode() <= 0777, what);
    // Below probe_timeout, which would cut the probes off first: unset, 80% of a 1ms one.
    assertBetween(c.dns().timeout(), Duration.ofNanos(1), Duration.ofSeconds(30), what);
    assertTrue(c.dns().timeout().compareTo(c.probeTimeout()) < 0, what);
    assertTrue(c.queue().timeout().compareTo(c.probeTimeout()) < 0, what);
    assertFalse(c.dns().probeNames().isEmpty(), what);
    c.dns().probeNames().forEach(n -> assertTrue(n.name().isAbsolute(), what));
    c.dns()
        .resolvers()
        .forEach(r -> assertTrue(HostPort.isAddress(r.getHostString()) && r.getPort() > 0, what));
    assertBetween(c.scan().timeout(), Duration.ofMillis(1), Duration.ofMinutes(10), what);
    assertBetween(c.scan().timeoutPerMib(), Duration.ZERO, Duration.ofMinutes(1), what);
    assertTrue(c.scan().maxSize() >= 0 && c.scan().spamdMaxSize() >= 0, what);
    assertTrue(
        Double.isNaN(c.scan().spamRejectScore()) || Double.isFinite(c.scan().spamRejectScore()),
        what);
    assertTrue(c.cpuMaxLoadPerCore() > 0 && c.cpuMaxLoadPerCore() <= 1000, what);
    c.disk().paths().forEach(p -> assertTrue(Files.isDirectory(p), what));
    assertTrue(Files.isDirectory(c.spoolProbeDirectory()), what);
    for (Threshold t :
        List.of(c.disk().minFree(), c.disk().minFreeInodes(), c.memoryMinAvailable())) {
      assertTrue(
          t.isRatio()
              ? t.ratio().signum() >= 0 && t.ratio().compareTo(BigDecimal.ONE) <= 0
              : t.amount() >= 0,
          what);
    }
    if (c.listen() instanceof ListenAddress.Unix unix) {
      assertTrue(Files.isDirectory(unix.path().getParent()), what);
    } else if (c.listen() instanceof ListenAddress.Inet inet) {
      assertTrue(inet.address().getPort() > 0, what);
    }
    c.metricsListen().ifPresent(m -> assertTrue(m.getPort() > 0, what));
    for (Check check : Check.values()) {
      assertTrue(c.stage(check) != null && c.mode(check) != null, what);
    }
  }

  private static void assertBetween(Duration d, Duration min, Duration max, String what) {
    assertTrue(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, what + " gave " + d);
  }

  /** Mostly short runs of characters that appear in real values, sometimes a number with a unit. */
  private static String randomValue(Random random) {
    if (random.nextInt(3) == 0) {
      String[] units = {"ms", "s", "m", "h", "%", "k", "M", "G", "T", ""};
      return (random.nextBoolean() ? "-" : "")
          + Math.abs(random.nextLong() >> random.nextInt(64))
          + units[random.nextInt(units.length)];
    }
    StringBuilder b = new StringBuilder();
    int length = random.nextInt(24);
    for (int i = 0; i < length; i++) {
      b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }
}
