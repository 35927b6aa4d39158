package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.BuildInfo;
import io.headroom.support.HeadroomProcess;
import io.headroom.support.Ports;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon started by hand or by another supervisor: SIGHUP reloads even under nohup, and the log
 * lines take the journal's form exactly when stdout is the journal stream.
 */
final class DaemonOutsideSystemdIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void hupReloadsWhenTheDaemonWasStartedUnderNohup(@TempDir Path dir) {
    try (HeadroomProcess daemon =
        HeadroomProcess.start(
            dir,
            // exec keeps the shell's pid for the JVM, and with it the ignored SIGHUP.
            builder ->
                builder
                    .command()
                    .addAll(0, List.of("sh", "-c", "trap '' HUP; exec \"$0\" \"$@\"")))) {
      assertTrue(
          daemon
              .log()
              .contains(
                  "SIGHUP was ignored when the daemon started (nohup?);"
                      + " it reloads the configuration all the same"),
          daemon.log());
      daemon.signal("HUP");
      daemon.awaitLog("reloaded " + daemon.config(), WAIT);
      assertTrue(daemon.isAlive());
      daemon.signal("HUP");
      daemon.awaitLog("(?s)reloaded .*reloaded ", WAIT);
    }
  }

  @Test
  void configWarningsAreLoggedAtStartAndAtEachReload(@TempDir Path dir) {
    String warning =
        "config: "
            + dir.resolve("headroom.conf")
            + ":4: bypass_networks: \"10.0.0.1/8\" has host"
            + " bits set; it means 10.0.0.0/8";
    try (HeadroomProcess daemon = HeadroomProcess.start(dir, "bypass_networks = 10.0.0.1/8")) {
      assertTrue(daemon.log().contains(warning), daemon.log());
      daemon.signal("HUP");
      daemon.awaitLog("reloaded " + daemon.config(), WAIT);
      assertEquals(2, daemon.log().split(java.util.regex.Pattern.quote(warning), -1).length - 1);
    }
  }

  /**
   * SIGHUPs sent while a reload is under way make one more reload at most, and a SIGTERM among them
   * is not queued behind them. Each reload waits for its first round of probes (here a lookup table
   * that never answers, 2 s); one after another they could outlast systemd's stop timeout and end
   * in SIGKILL instead of a drain.
   */
  @Test
  void hupsDuringAReloadMakeOneMoreAndATermAmongThemStopsAtOnce(@TempDir Path dir)
      throws Exception {
    try (ServerSocket silentTable = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        HeadroomProcess daemon =
            HeadroomProcess.start(
                dir,
                "dns_mode = off",
                "lookup_tables = tcp:127.0.0.1:" + silentTable.getLocalPort(),
                "lookup_timeout = 2s")) {
      long pid = daemon.pid();
      Process signals =
          new ProcessBuilder(
                  "sh",
                  "-c",
                  "for i in 1 2 3 4; do kill -HUP " + pid + "; sleep 0.2; done; kill -TERM " + pid)
              .inheritIO()
              .start();
      assertTrue(signals.waitFor(20, TimeUnit.SECONDS));
      assertEquals(0, daemon.awaitExit(WAIT));
      long reloads = daemon.log().lines().filter(l -> l.contains("reloaded ")).count();
      assertTrue(reloads <= 2, reloads + " reloads for 4 SIGHUPs in 0.8 s:\n" + daemon.log());
    }
  }

  /**
   * A disk path a reload removes loses its series on /metrics. Left registered, its gauges read NaN
   * on every scrape until a restart: a stale series in Prometheus, alerts and dashboards on NaN.
   * The path that stays keeps its series.
   */
  @Test
  void aReloadRemovesTheSeriesOfADiskPathNoLongerConfigured(@TempDir Path dir) throws Exception {
    Path kept = Files.createDirectories(dir.resolve("kept"));
    Path removed = Files.createDirectories(dir.resolve("removed"));
    try (HeadroomProcess daemon =
        HeadroomProcess.start(dir, "dns_mode = off", "disk_paths = " + kept + ", " + removed)) {
      String before = daemon.get("/metrics").body();
      assertTrue(before.contains("headroom_disk_free_ratio{path=\"" + removed + "\"}"), before);
      daemon.rewriteConfig("dns_mode = off", "disk_paths = " + kept);
      daemon.signal("HUP");
      daemon.awaitLog("reloaded " + daemon.config(), WAIT);
      String after = daemon.get("/metrics").body();
      assertFalse(after.contains("{path=\"" + removed + "\"}"), after);
      double free = daemon.metric("headroom_disk_free_ratio{path=\"" + kept + "\"}");
      assertTrue(free > 0 && free <= 1, free + " in:\n" + after);
    }
  }

  /**
   * A reload cannot move the sockets: each SIGHUP says so while the file names another listen
   * address than the daemon's, not only the first one after the edit, and none does once the file
   * names the running address again.
   */
  @Test
  void everyHupWarnsWhileTheFileListensElsewhereThanTheDaemon(@TempDir Path dir) throws Exception {
    try (HeadroomProcess daemon = HeadroomProcess.start(dir, "dns_mode = off")) {
      String warning =
          "SIGHUP: changes to listen take effect at the next restart; still listening on "
              + daemon.milterAddress();
      String running = "listen = " + daemon.milterAddress();
      String elsewhere = "listen = inet:127.0.0.1:" + Ports.freeTcpPort();
      String file = Files.readString(daemon.config());
      assertTrue(file.contains(running + "\n"), file);
      Files.writeString(daemon.config(), file.replace(running + "\n", elsewhere + "\n"));
      daemon.signal("HUP");
      daemon.awaitLog("reloaded " + daemon.config(), WAIT);
      daemon.signal("HUP");
      daemon.awaitLog("(?s)(reloaded .*){2}", WAIT);
      Files.writeString(daemon.config(), file);
      daemon.signal("HUP");
      daemon.awaitLog("(?s)(reloaded .*){3}", WAIT);
      assertEquals(
          List.of(true, true, false), warnedAtEachReload(daemon.log(), warning), daemon.log());
      // The reload's summary says where the daemon listens, not what the file said meanwhile.
      assertFalse(daemon.log().contains(elsewhere.replace(" = ", "=")), daemon.log());
      assertEquals(
          3,
          daemon
              .log()
              .lines()
              .filter(l -> l.contains("reloaded ") && l.contains(running.replace(" = ", "=")))
              .count(),
          daemon.log());
    }
  }

  /** For each reload in {@code log}, whether {@code warning} came with it. */
  private static List<Boolean> warnedAtEachReload(String log, String warning) {
    List<Boolean> warned = new ArrayList<>();
    boolean since = false;
    for (String line : log.lines().toList()) {
      since |= line.contains(warning);
      if (line.contains("reloaded ")) {
        warned.add(since);
        since = false;
      }
    }
    return warned;
  }

  @Test
  void aBadFileAtStartExitsTwoSoSystemdDoesNotRestartIt(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.conf"), "no_such_name = 1\n");
    Tool.Result run =
        Tool.run(
                WAIT,
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                HeadroomProcess.JAR.toString(),
                "--config",
                bad.toString())
            .assertExit(2);
    assertTrue(run.output().startsWith(bad + ":1: no_such_name: "), run.output());
  }

  @Test
  void jsonLinesWithTheDocumentedSwitch(@TempDir Path dir) {
    try (HeadroomProcess daemon =
        HeadroomProcess.start(
            dir, builder -> builder.environment().put("HEADROOM_LOG_FORMAT", "json"))) {
      String listening = daemon.awaitLog("listening on", WAIT);
      assertTrue(
          listening.matches(
              "\\{\"timestamp\":\\d+,\"level\":\"INFO\",\"threadName\":\"main\","
                  + "\"loggerName\":\"io.headroom.Daemon\",\"mdc\": \\{},\"formattedMessage\":\"listening on "
                  + "inet:127.0.0.1:"
                  + daemon.milterPort()
                  + " .*\",\"throwable\":null}"),
          listening);
      assertTrue(
          daemon.log().lines().allMatch(l -> l.startsWith("{") && l.endsWith("}")), daemon.log());
    }
  }

  @Test
  void underJournaldLinesCarryThePriorityPrefixAndNoTimestamp(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("headroom.log");
    try (HeadroomProcess daemon =
        HeadroomProcess.start(
            dir,
            builder -> {
              try {
                // systemd sets JOURNAL_STREAM to the device and inode of the stream it connected.
                Files.createFile(log);
                builder.environment().put("JOURNAL_STREAM", LogFormat.identity(log).orElseThrow());
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })) {
      String start = daemon.awaitLog("starting headroom-milter", WAIT);
      assertEquals(
          "<6>Daemon: starting headroom-milter "
              + BuildInfo.version()
              + " with "
              + daemon.config()
              + ": ",
          start.substring(0, start.indexOf(": listen=") + 2));
      daemon.rewriteConfig("no_such_name = 1");
      daemon.signal("HUP");
      String error = daemon.awaitLog("reload failed", WAIT);
      assertTrue(
          error.startsWith(
              "<3>Daemon: reload failed, keeping the running configuration: "
                  + daemon.config()
                  + ":4: no_such_name: "),
          error);
    }
  }
}
