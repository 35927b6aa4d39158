package io.headroom.bench;

import io.headroom.support.SmtpClient;
import io.headroom.support.SmtpClient.Transcript;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Mail into one Postfix port: smtp-source for throughput, a paced client for the fixed load. */
final class Load {
  static final Path SMTP_SOURCE = Path.of("/usr/sbin/smtp-source");
  private static final String FROM = "a@example.test";
  private static final String TO = "b@example.test";
  private static final String HELO = "client.example.test";

  /** Sessions at once of the fixed load; far more than it needs unless a configuration stalls. */
  private static final int MAX_IN_FLIGHT = 64;

  /** Far above any healthy run; a run this slow is a broken setup, not a figure. */
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

  private final Path workDir;

  Load(Path workDir) {
    this.workDir = workDir;
  }

  /** The smtp-source command line the benchmark uses, for the report. */
  static List<String> smtpSource(int sessions, int messages, int port) {
    return List.of(
        SMTP_SOURCE.toString(),
        "-s",
        Integer.toString(sessions),
        "-m",
        Integer.toString(messages),
        "-l",
        Integer.toString(Plan.MESSAGE_BYTES),
        "-M",
        HELO,
        "-f",
        FROM,
        "-t",
        TO,
        "127.0.0.1:" + port);
  }

  /**
   * Sends {@code messages} with smtp-source and returns messages per second. smtp-source exits
   * non-zero at the first reply that is not positive, so a clean exit means every message was
   * accepted.
   */
  double throughput(int port, int sessions, int messages) throws IOException, InterruptedException {
    Path out = Files.createTempFile(workDir, "smtp-source-", ".out");
    ProcessBuilder pb =
        new ProcessBuilder(smtpSource(sessions, messages, port))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    long start = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException("smtp-source did not finish within " + RUN_TIMEOUT);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String output = Files.readString(out, StandardCharsets.ISO_8859_1);
    if (p.exitValue() != 0 || !output.isBlank()) {
      throw new IllegalStateException(
          "smtp-source to port " + port + " exited " + p.exitValue() + ": " + output.strip());
    }
    Files.delete(out);
    return messages / seconds;
  }

  /**
   * The fixed load: one SMTP session of one message every 1/{@code perSecond} s, started on
   * schedule whether or not the earlier ones have finished (an open loop, so a slow configuration
   * gets the same load, not a lighter one). Returns each message's milliseconds from its scheduled
   * start to the end of its session: time spent waiting for a free sender counts, as it would for a
   * real client.
   */
  static List<Double> paced(int port, double perSecond, int messages) throws InterruptedException {
    byte[] message = message();
    ExecutorService senders = Executors.newFixedThreadPool(MAX_IN_FLIGHT);
    try {
      List<Future<Double>> sessions = new ArrayList<>(messages);
      long period = Math.round(1e9 / perSecond);
      long start = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        long due = start + i * period;
        TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
        sessions.add(
            senders.submit(
                () -> {
                  Transcript t = SmtpClient.send(port, FROM, TO, message);
                  if (t.message() == null || !t.message().startsWith("250")) {
                    throw new IllegalStateException(
                        "port " + port + " did not accept a message: " + t);
                  }
                  return (System.nanoTime() - due) / 1e6;
                }));
      }
      List<Double> millis = new ArrayList<>(messages);
      long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
      for (Future<Double> f : sessions) {
        millis.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      }
      return millis;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the fixed load did not finish within " + RUN_TIMEOUT, e);
    } finally {
      senders.shutdownNow();
    }
  }

  /** A message of the same payload size as smtp-source's. */
  static byte[] message() {
    StringBuilder m =
        new StringBuilder("From: " + FROM + "\r\nTo: " + TO + "\r\nSubject: bench\r\n\r\n");
    String line = "The quick brown fox jumps over the lazy dog 0123456789.\r\n";
    int body = 0;
    while (body + line.length() <= Plan.MESSAGE_BYTES) {
      m.append(line);
      body += line.length();
    }
    return m.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
