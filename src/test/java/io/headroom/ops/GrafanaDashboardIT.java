package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.support.HeadroomProcess;
import io.headroom.support.Ports;
import io.headroom.support.PostfixInstance;
import io.headroom.support.Running;
import io.headroom.support.SmtpClient;
import io.headroom.support.SmtpClient.Transcript;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard shipped in conf/grafana: its queries are valid PromQL, and every metric
 * they name is in a real scrape of the daemon once each kind of event has happened.
 */
final class GrafanaDashboardIT {
  private static final Path DASHBOARD = Path.of("conf", "grafana", "headroom-milter.json");

  /** A panel's query, and the instance variable's label_values(...) query. */
  private static final Pattern QUERY =
      Pattern.compile("\"(expr|definition)\": \"((?:[^\"\\\\]|\\\\.)*)\"");

  private static final Pattern METRIC = Pattern.compile("\\b(?:headroom|jvm|process)_[a-z0-9_]+");
  private static final byte[] MESSAGE =
      "From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\n\r\nHello.\r\n"
          .getBytes(StandardCharsets.US_ASCII);
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  @RegisterExtension final Running running = new Running();

  /** The PromQL of every panel (JSON string escapes undone). */
  private static List<String> panelQueries() throws Exception {
    return QUERY
        .matcher(Files.readString(DASHBOARD))
        .results()
        .filter(m -> m.group(1).equals("expr"))
        .map(m -> m.group(2).replace("\\\"", "\"").replace("\\\\", "\\"))
        .toList();
  }

  private static Set<String> metricNames() throws Exception {
    return QUERY
        .matcher(Files.readString(DASHBOARD))
        .results()
        .flatMap(m -> METRIC.matcher(m.group(2)).results().map(n -> n.group()))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void everyQueryIsValidPromql() throws Exception {
    Tool.requireInstalled("promtool", "prometheus");
    List<String> rules = new ArrayList<>(List.of("groups:", "  - name: dashboard", "    rules:"));
    List<String> queries = panelQueries();
    for (int i = 0; i < queries.size(); i++) {
      // Grafana's variables, as Grafana would fill them in.
      String expr =
          queries
              .get(i)
              .replace("$__rate_interval", "5m")
              .replace("$__range", "1h")
              .replace("$instance", ".*");
      rules.add("      - record: dashboard:query" + i);
      rules.add("        expr: '" + expr.replace("'", "''") + "'");
    }
    Path file = Files.write(dir.resolve("dashboard-rules.yml"), rules);
    Tool.Result result =
        Tool.run(Duration.ofSeconds(60), "promtool", "check", "rules", file.toString())
            .assertExit(0);
    assertTrue(
        result.output().contains("SUCCESS: " + queries.size() + " rules found"), result.output());
  }

  @Test
  void everyMetricItQueriesIsInAScrapeOfTheDaemon() throws Exception {
    List<String> config =
        new ArrayList<>(
            List.of(
                "probe_interval = 300ms",
                "dns_mode = off",
                "disk_paths = " + dir.toAbsolutePath(),
                "cpu_max_load_per_core = 1000",
                // Nothing listens there: the scan check fails, in monitor mode, so mail still goes
                // to the
                // scan, which counts it unreachable, and is accepted.
                "scanners = clamd:tcp:127.0.0.1:" + Ports.closedTcpPort(),
                "scan_mode = monitor",
                "max_sessions = 1"));
    HeadroomProcess daemon =
        running.keep(HeadroomProcess.start(dir.resolve("daemon"), config.toArray(String[]::new)));
    daemon.awaitLog("check scan .* now failing", WAIT);

    busySessionAndProtocolError(daemon);
    PostfixInstance postfix =
        running.keep(PostfixInstance.builder(dir).smtpdMilters(daemon.milterAddress()).start());
    Transcript scanned =
        SmtpClient.send(postfix.smtpPort(), "a@example.test", "b@example.test", MESSAGE);
    assertTrue(
        scanned.message().startsWith("250 2.0.0 Ok: queued as "),
        "monitor mode never defers: " + scanned);

    config.add("disk_min_free = 100%");
    daemon.rewriteConfig(config.toArray(String[]::new));
    daemon.signal("HUP");
    daemon.awaitLog("check disk .* now failing", WAIT);
    Transcript deferred =
        SmtpClient.send(postfix.smtpPort(), "a@example.test", "b@example.test", MESSAGE);
    assertTrue(
        deferred.rcpt().startsWith("451 4.3.0 Mail spool disk nearly full"), deferred.rcpt());

    daemon.rewriteConfig("no_such_setting = 1");
    daemon.signal("HUP");
    daemon.awaitLog("reload failed", WAIT);

    List<String> samples =
        daemon.get("/metrics").body().lines().filter(l -> !l.startsWith("#")).toList();
    Set<String> missing = new TreeSet<>(metricNames());
    missing.removeIf(
        name ->
            samples.stream().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " ")));
    assertEquals(
        Set.of(), missing, "metrics the dashboard queries that the daemon does not export");
    assertTrue(metricNames().size() >= 15, "the dashboard's queries were found: " + metricNames());
  }

  /**
   * Over max_sessions = 1: one connection is refused busy, then the admitted one sends an empty
   * packet.
   */
  private static void busySessionAndProtocolError(HeadroomProcess daemon) throws Exception {
    try (Socket admitted = new Socket(Ports.LOOPBACK_V4, daemon.milterPort());
        Socket busy = new Socket(Ports.LOOPBACK_V4, daemon.milterPort())) {
      admitted.setSoTimeout(5000);
      // A packet whose length word is 0: not even a command byte.
      admitted.getOutputStream().write(new byte[4]);
      assertEquals(-1, admitted.getInputStream().read(), "the daemon closes the connection");
      daemon.awaitLog("empty_packet", WAIT);
      busy.setSoTimeout(5000);
      busy.getOutputStream().write(new byte[] {0, 0, 0, 1, 'Q'});
      assertEquals(-1, busy.getInputStream().read(), "SMFIC_QUIT closes the busy connection");
    }
    awaitNoSessions(daemon);
  }

  private static void awaitNoSessions(HeadroomProcess daemon) throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    while (daemon.metric("headroom_milter_sessions_active") != 0.0) {
      assertTrue(System.nanoTime() < end, "milter sessions still open");
      Thread.sleep(50);
    }
  }
}
