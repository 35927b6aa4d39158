package io.headroom.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A do-nothing milter in C on Sendmail's libmilter (src/test/c/null_milter.c), compiled by the
 * test: the benchmark's floor for what any milter asking for the gate's events costs Postfix.
 */
public final class NullMilter extends MilterProcess {
  static final Path SOURCE = Path.of("src/test/c/null_milter.c");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Path output;

  private NullMilter(Process process, int port, Path output) {
    super("null milter", process, port, Duration.ofSeconds(5));
    this.output = output;
  }

  /** Compiles the milter into {@code dir} and starts it on a free loopback port. */
  public static NullMilter start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path binary =
        CProgram.compile(
            SOURCE, dir.resolve("null-milter"), "gcc and libmilter-dev", "milter", "pthread");
    int port = Ports.freeTcpPort();
    Path output = dir.resolve("null-milter.out");
    Process p =
        new ProcessBuilder(binary.toString(), "inet:" + port + "@127.0.0.1")
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    NullMilter milter = new NullMilter(p, port, output);
    milter.awaitListening(START_TIMEOUT);
    return milter;
  }

  @Override
  String output() throws IOException {
    return Processes.tail(Files.readString(output, StandardCharsets.ISO_8859_1), 2000);
  }
}
