package io.headroom.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A do-nothing milter in C on Sendmail's libmilter (src/test/c/null_milter.c), compiled by the
 * test: the benchmark's floor for what any milter asking for the gate's events costs Postfix.
 */
public final class NullMilter implements AutoCloseable {
  static final Path SOURCE = Path.of("src/test/c/null_milter.c");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Process process;
  private final int port;

  private NullMilter(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Compiles the milter into {@code dir} and starts it on a free loopback port. */
  public static NullMilter start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path binary = dir.resolve("null-milter");
    Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-o", binary.toString(), SOURCE.toString(),
        "-lmilter", "-lpthread").redirectErrorStream(true).start();
    String ccOutput = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
      throw new IOException("cannot compile " + SOURCE + " (needs gcc and libmilter-dev): " + ccOutput);
    }
    int port = Ports.freeTcpPort();
    Process p = new ProcessBuilder(binary.toString(), "inet:" + port + "@127.0.0.1")
        .redirectErrorStream(true).redirectOutput(dir.resolve("null-milter.out").toFile()).start();
    NullMilter milter = new NullMilter(p, port);
    milter.awaitListening();
    return milter;
  }

  public String milterAddress() {
    return "inet:127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  private void awaitListening() throws IOException, InterruptedException {
    if (Ports.awaitListening(port, process, START_TIMEOUT)) {
      return;
    }
    close();
    throw new IOException("null milter did not listen on port " + port + " within " + START_TIMEOUT);
  }

  @Override
  public void close() {
    try {
      Processes.terminate(process, Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
