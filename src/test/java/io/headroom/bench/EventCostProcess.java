package io.headroom.bench;

import io.headroom.support.Ports;
import io.headroom.support.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code io.headroom.milter.EventCostMilter} in its own JVM, with the daemon's JVM options. */
final class EventCostProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final int port;

  private EventCostProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * @param events {@code negotiated} or {@code all}
   */
  static EventCostProcess start(Path dir, List<String> jvmOptions, String events)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int port = Ports.freeTcpPort();
    Path config = dir.resolve("headroom.conf");
    Files.writeString(config, "listen = inet:127.0.0.1:" + port + "\nmetrics_listen = off\n");
    String classpath = Path.of("target/headroom-milter.jar") + ":" + Path.of("target/test-classes");
    List<String> command = new ArrayList<>(List.of(javaCommand()));
    command.addAll(jvmOptions);
    command.addAll(
        List.of("-cp", classpath, "io.headroom.milter.EventCostMilter", config.toString(), events));
    Path log = dir.resolve("milter.log");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!Files.readString(log, StandardCharsets.UTF_8).contains("listening on")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IOException(
            "EventCostMilter "
                + events
                + " did not start: "
                + Processes.tail(Files.readString(log, StandardCharsets.UTF_8), 2000));
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return new EventCostProcess(p, port);
  }

  private static String javaCommand() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  long pid() {
    return process.pid();
  }

  String milterAddress() {
    return "inet:127.0.0.1:" + port;
  }

  @Override
  public void close() throws InterruptedException {
    Processes.terminate(process, Duration.ofSeconds(10));
  }
}
