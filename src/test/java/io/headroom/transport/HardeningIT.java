package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.milter.MilterHandlers;
import io.headroom.support.FakeMta;
import io.headroom.support.HeadroomProcess;
import io.headroom.support.MilterClient;
import io.headroom.support.Ports;
import io.headroom.support.PostfixInstance;
import io.headroom.support.RecordingMetrics;
import io.headroom.support.Running;
import io.headroom.support.SmtpClient;
import io.headroom.support.SmtpClient.Transcript;
import io.headroom.support.TcpProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nightcode.milter.CommandCode;
import org.nightcode.milter.ResponseCode;

/**
 * Issue 5 against the daemon as a process (the jar), with a real Postfix where it matters: memory
 * under huge announced packets, 500 concurrent sessions and the busy answer beyond them, SIGHUP and
 * SIGTERM.
 */
class HardeningIT {
  private static final byte[] MESSAGE =
      "From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\n\r\nHello.\r\n"
          .getBytes(StandardCharsets.US_ASCII);
  private static final Duration REPLY = Duration.ofSeconds(20);
  private static final long MIB = 1024 * 1024;

  @TempDir Path dir;
  @RegisterExtension final Running running = new Running();

  private List<String> base() {
    return new ArrayList<>(
        List.of(
            "probe_interval = 500ms",
            "dns_mode = off",
            "disk_paths = " + dir.toAbsolutePath(),
            "cpu_max_load_per_core = 1000"));
  }

  private HeadroomProcess daemon(String... extra) {
    List<String> lines = base();
    lines.addAll(List.of(extra));
    return running.keep(HeadroomProcess.start(dir.resolve("daemon"), lines.toArray(String[]::new)));
  }

  private PostfixInstance postfix(String milters) {
    return running.keep(
        PostfixInstance.builder(dir.resolve("postfix")).smtpdMilters(milters).start());
  }

  private static Transcript send(PostfixInstance postfix) {
    return SmtpClient.send(postfix.smtpPort(), "a@example.test", "b@example.test", MESSAGE);
  }

  private static InetSocketAddress milter(HeadroomProcess daemon) {
    return new InetSocketAddress(Ports.LOOPBACK_V4, daemon.milterPort());
  }

  /**
   * A session opened and negotiated, in a transaction after MAIL, as Postfix leaves one between
   * commands.
   */
  private static MilterClient openTransaction(HeadroomProcess daemon) {
    MilterClient c = MilterClient.connect(milter(daemon), REPLY);
    assertEquals('O', c.optneg().command());
    c.macro('C', "j", "mx.example.test");
    c.connect("client.example", "192.0.2.1");
    c.command(CommandCode.SMFIC_MAIL, "<a@example.test>");
    return c;
  }

  /**
   * The healthy gate accepts the message at RCPT; Postfix then sends only the transaction's ABORT.
   */
  private static void finishTransaction(MilterClient c) {
    c.command(CommandCode.SMFIC_RCPT, "<b@example.test>");
    assertEquals(ResponseCode.SMFIR_ACCEPT.code(), c.read().command());
    c.command(CommandCode.SMFIC_ABORT, null);
  }

  @Test
  void hugeAnnouncedPacketsLeaveMemoryBoundedAndPostfixIsServedAfter() throws Exception {
    HeadroomProcess daemon = daemon();
    TcpProxy proxy = running.keep(new TcpProxy(daemon.milterPort()));
    PostfixInstance postfix = postfix("inet:127.0.0.1:" + proxy.port());
    assertTrue(
        send(postfix).message().startsWith("250 2.0.0 Ok: queued as "), "warm-up transaction");
    // A monitoring probe: connect, say nothing, close. Normal: no warning, no stack trace.
    new Socket(Ports.LOOPBACK_V4, daemon.milterPort()).close();
    long before = daemon.rssBytes();

    int peers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(peers);
    List<Future<Long>> sent = new ArrayList<>();
    for (int i = 0; i < peers; i++) {
      sent.add(pool.submit(() -> announceTwoGibAndStream(daemon, 8 * MIB)));
    }
    long total = 0;
    for (Future<Long> f : sent) {
      total += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdownNow();
    for (int i = 0;
        i < 100
            && daemon.metric("headroom_milter_protocol_errors_total{reason=\"packet_too_long\"}")
                < peers;
        i++) {
      Thread.sleep(100);
    }
    long after = daemon.rssBytes();
    long growth = after - before;
    System.out.printf(
        "memory: %d peers announced 2 GiB each and wrote %d bytes in all before being cut off;"
            + " daemon RSS %d MiB -> %d MiB (growth %+.1f MiB, limit 64 MiB)%n",
        peers, total, before / MIB, after / MIB, growth / (double) MIB);
    assertTrue(growth <= 64 * MIB, "RSS grew by " + growth / MIB + " MiB");
    assertEquals(
        peers, daemon.metric("headroom_milter_protocol_errors_total{reason=\"packet_too_long\"}"));
    // One line per connection, or a line a second at most with a count of those left out.
    for (int i = 0; i < 30 && reportedTooLong(daemon.log()) < peers; i++) {
      Thread.sleep(100);
    }
    assertEquals(peers, reportedTooLong(daemon.log()));

    Transcript t = send(postfix);
    assertTrue(t.message().startsWith("250 2.0.0 Ok: queued as "), t.toString());
    assertFalse(daemon.log().contains("Exception"), "no stack trace:\n" + daemon.log());
    assertEquals(
        List.of(),
        daemon
            .log()
            .lines()
            .filter(l -> l.contains(" WARN ") && !l.contains("packet_too_long"))
            .toList());

    // What Postfix sent is a real session: it must pass the protocol checks unchanged, and it
    // becomes a fuzz seed (copied into src/test/resources by hand; see MilterFuzzTest).
    List<byte[]> recordings = proxy.recordings();
    assertEquals(2, recordings.size());
    Path out = Files.createDirectories(Path.of("target", "milter-recordings"));
    for (int i = 0; i < recordings.size(); i++) {
      Files.write(out.resolve("postfix-session-" + i + ".bin"), recordings.get(i));
      RecordingMetrics m = new RecordingMetrics();
      FakeMta replay =
          new FakeMta(
              MilterHandlers.forConfig(
                  io.headroom.config.ConfigParser.defaults(),
                  java.util.Set.of(),
                  () -> io.headroom.health.HealthSnapshot.EMPTY,
                  m,
                  java.util.Optional.empty(),
                  new MemoryBudget(1 << 30)),
              m);
      replay.writeRaw(recordings.get(i));
      assertEquals(List.of(), m.protocolErrors(), "recorded Postfix session " + i);
    }
  }

  private static final java.util.regex.Pattern SUPPRESSED =
      java.util.regex.Pattern.compile(
          "packet_too_long.*\\b(\\d+) more like this in the last second, not logged");

  /**
   * Connections closed for packet_too_long as the log tells them: lines, plus the counts of lines
   * left out.
   */
  private static long reportedTooLong(String log) {
    return log.lines()
        .mapToLong(
            l -> {
              java.util.regex.Matcher m = SUPPRESSED.matcher(l);
              long suppressed = m.find() ? Long.parseLong(m.group(1)) : 0;
              return suppressed
                  + (l.contains(": packet_too_long: packet of 2147483647 bytes announced") ? 1 : 0);
            })
        .sum();
  }

  /**
   * Announces a 2 GiB SMFIC_BODY packet and streams up to {@code bytes}; returns what the kernel
   * took.
   */
  private static long announceTwoGibAndStream(HeadroomProcess daemon, long bytes) {
    long written = 0;
    try (Socket s = new Socket(Ports.LOOPBACK_V4, daemon.milterPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(ByteBuffer.allocate(5).putInt(Integer.MAX_VALUE).put((byte) 'B').array());
      byte[] chunk = new byte[64 * 1024];
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (written < bytes && System.nanoTime() < deadline) {
        out.write(chunk);
        written += chunk.length;
      }
      return written;
    } catch (IOException e) {
      return written; // cut off by the daemon: what it is meant to do
    }
  }

  @Test
  void fiveHundredConcurrentSessionsAreAllAnsweredAndTheNextIsBusy() throws Exception {
    HeadroomProcess daemon = daemon("max_sessions = 500");
    int sessions = 500;
    CountDownLatch open = new CountDownLatch(sessions);
    CountDownLatch go = new CountDownLatch(1);
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(sessions);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      results.add(
          pool.submit(
              () -> {
                try (MilterClient c = MilterClient.connect(milter(daemon), REPLY)) {
                  long t0 = System.nanoTime();
                  c.optneg();
                  latencies.add(System.nanoTime() - t0);
                  c.macro('C', "j", "mx.example.test");
                  c.connect("client.example", "192.0.2.1");
                  open.countDown();
                  if (!go.await(60, TimeUnit.SECONDS)) {
                    return false;
                  }
                  c.command(CommandCode.SMFIC_MAIL, "<a@example.test>");
                  long t = System.nanoTime();
                  c.command(CommandCode.SMFIC_RCPT, "<b@example.test>");
                  boolean ok = c.read().command() == ResponseCode.SMFIR_ACCEPT.code();
                  latencies.add(System.nanoTime() - t);
                  if (!ok) {
                    return false;
                  }
                  c.command(CommandCode.SMFIC_ABORT, null);
                  c.command(CommandCode.SMFIC_QUIT, null);
                  return true;
                }
              }));
    }
    try {
      assertTrue(
          open.await(90, TimeUnit.SECONDS), "all sessions open: " + (sessions - open.getCount()));
      assertEquals(sessions, daemon.metric("headroom_milter_sessions_active"));
      try (MilterClient extra = MilterClient.connect(milter(daemon), REPLY)) {
        MilterClient.Reply neg = extra.optneg();
        assertEquals(0, neg.word(2) & 0x1000, "the busy session wants to answer at connect");
        extra.connect("client.example", "192.0.2.1");
        assertEquals(
            "451 4.3.0 Mail filter busy (500 sessions in progress), try again later",
            extra.read().text());
      }
      assertEquals(1.0, daemon.metric("headroom_milter_sessions_busy_total"));
      go.countDown();
      int answered = 0;
      for (Future<Boolean> f : results) {
        answered += f.get(90, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(sessions, answered);
    } finally {
      go.countDown();
      pool.shutdownNow();
    }
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    double p50 = sorted.get(sorted.size() / 2) / 1e6;
    double p99 = sorted.get((int) (sorted.size() * 0.99)) / 1e6;
    System.out.printf(
        "load: %d concurrent sessions on loopback, %d commands answered: p50 %.2f ms, p99 %.2f ms%n",
        sessions, sorted.size(), p50, p99);
    assertTrue(p99 < 5_000, "p99 " + p99 + " ms");
  }

  @Test
  void sighupKeepsTheRunningConfigOnABadFileAndAppliesAGoodOneWithoutDroppingSessions()
      throws Exception {
    HeadroomProcess daemon = daemon();
    PostfixInstance postfix = postfix(daemon.milterAddress());
    MilterClient inFlight = running.keep(openTransaction(daemon));

    daemon.rewriteConfig("max_sessions = many");
    daemon.signal("HUP");
    String error = daemon.awaitLog("reload failed", Duration.ofSeconds(10));
    assertTrue(error.contains(daemon.config() + ":4: max_sessions: "), error);
    assertEquals(1.0, daemon.metric("headroom_config_reloads_total{result=\"failure\"}"));
    assertTrue(
        send(postfix).message().startsWith("250 2.0.0 Ok"), "the running config still serves");

    List<String> good = base();
    good.add("max_sessions = 1");
    daemon.rewriteConfig(good.toArray(String[]::new));
    daemon.signal("HUP");
    daemon.awaitLog("reloaded ", Duration.ofSeconds(10));
    assertEquals(1.0, daemon.metric("headroom_config_reloads_total{result=\"success\"}"));

    finishTransaction(inFlight); // the session from before the reload goes on
    Transcript busy = send(postfix); // and holds the one slot max_sessions now allows
    assertTrue(
        busy.mail() != null
            && busy.toString().contains("451 4.3.0 Mail filter busy (1 sessions in progress)"),
        busy.toString());
  }

  @Test
  void sigtermStopsAcceptingLetsTheSessionFinishAndExitsZero() throws Exception {
    HeadroomProcess daemon = daemon("shutdown_timeout = 20s");
    MilterClient inFlight = running.keep(openTransaction(daemon));
    daemon.signal("TERM");
    daemon.awaitLog("stopping: no new sessions", Duration.ofSeconds(10));
    Thread.sleep(200);
    assertThrows(
        UncheckedIOException.class, () -> MilterClient.connect(milter(daemon), REPLY).close());
    assertTrue(daemon.isAlive(), "waits for the session in flight");
    finishTransaction(inFlight);
    inFlight.command(CommandCode.SMFIC_QUIT, null);
    long t0 = System.nanoTime();
    assertEquals(0, daemon.awaitExit(Duration.ofSeconds(10)));
    assertTrue(
        System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "exits once the session is done");
  }

  @Test
  void sigtermGivesUpOnAnIdleSessionAfterShutdownTimeout() throws Exception {
    HeadroomProcess daemon = daemon("shutdown_timeout = 1s");
    MilterClient stuck = running.keep(openTransaction(daemon));
    long t0 = System.nanoTime();
    daemon.signal("TERM");
    assertEquals(0, daemon.awaitExit(Duration.ofSeconds(15)));
    double took = (System.nanoTime() - t0) / 1e9;
    assertTrue(took >= 0.9 && took < 8, "stopped after " + took + " s");
    assertTrue(stuck.closedByPeer());
  }
}
