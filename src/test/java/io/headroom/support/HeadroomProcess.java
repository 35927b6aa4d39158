package io.headroom.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon as users run it: {@code java -jar target/headroom-milter.jar --config FILE} in its own
 * process, milter and metrics on free loopback ports. Built by {@code mvn package} before failsafe
 * runs the *IT tests.
 */
public final class HeadroomProcess implements AutoCloseable {
  public static final Path JAR = Path.of("target/headroom-milter.jar");

  private final Process process;
  private final Path log;
  private final Path config;
  private final int milterPort;
  private final int metricsPort;

  private HeadroomProcess(Process process, Path log, Path config, int milterPort, int metricsPort) {
    this.process = process;
    this.log = log;
    this.config = config;
    this.milterPort = milterPort;
    this.metricsPort = metricsPort;
  }

  /**
   * Starts the daemon with {@code listen} and {@code metrics_listen} on free loopback ports plus
   * the given config lines, and waits until it listens.
   */
  public static HeadroomProcess start(Path dir, String... configLines) {
    return start(dir, List.of("-Xmx256m"), configLines);
  }

  /**
   * As {@link #start(Path, String...)}, with these JVM options (heap size, GC) instead of the
   * default.
   */
  public static HeadroomProcess start(Path dir, List<String> jvmOptions, String... configLines) {
    return start(dir, jvmOptions, builder -> {}, configLines);
  }

  /**
   * As {@link #start(Path, String...)}, with the process builder adjusted before the start: its
   * environment (NOTIFY_SOCKET, JOURNAL_STREAM), or a wrapper put before the command (nohup).
   */
  public static HeadroomProcess start(
      Path dir, Consumer<ProcessBuilder> launch, String... configLines) {
    return start(dir, List.of("-Xmx256m"), launch, configLines);
  }

  private static HeadroomProcess start(
      Path dir, List<String> jvmOptions, Consumer<ProcessBuilder> launch, String... configLines) {
    int[] ports = Ports.freeTcpPorts(2);
    int milterPort = ports[0];
    int metricsPort = ports[1];
    List<String> lines = new ArrayList<>();
    // A test may listen elsewhere (listen = unix:/path); then milterAddress() does not apply.
    if (Arrays.stream(configLines).noneMatch(l -> l.matches("listen\\s*=.*"))) {
      lines.add("listen = inet:127.0.0.1:" + milterPort);
    }
    lines.add("metrics_listen = 127.0.0.1:" + metricsPort);
    lines.add("spool_probe_directory = " + dir.toAbsolutePath());
    lines.addAll(List.of(configLines));
    try {
      Files.createDirectories(dir);
      Path config = dir.resolve("headroom.conf");
      Files.write(config, lines);
      Path log = dir.resolve("headroom.log");
      List<String> command = new ArrayList<>();
      command.add(javaCommand());
      command.addAll(jvmOptions);
      command.addAll(List.of("-jar", JAR.toString(), "--config", config.toString()));
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      // Tests read plain log lines, also when the build itself runs under systemd or with JSON
      // logs.
      builder.environment().remove("JOURNAL_STREAM");
      builder.environment().remove("HEADROOM_LOG_FORMAT");
      launch.accept(builder);
      Process p = builder.start();
      HeadroomProcess daemon = new HeadroomProcess(p, log, config, milterPort, metricsPort);
      daemon.awaitLog("listening on", Duration.ofSeconds(30));
      return daemon;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String javaCommand() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** For Postfix's smtpd_milters. */
  public String milterAddress() {
    return "inet:127.0.0.1:" + milterPort;
  }

  public Path config() {
    return config;
  }

  public int milterPort() {
    return milterPort;
  }

  /**
   * Replaces the config file for a SIGHUP: the listen and metrics lines stay as they were, the rest
   * becomes {@code configLines}.
   */
  public void rewriteConfig(String... configLines) {
    try {
      List<String> lines =
          new ArrayList<>(
              Files.readAllLines(config).stream()
                  .filter(l -> l.matches("(listen|metrics_listen|spool_probe_directory)\\s*=.*"))
                  .toList());
      lines.addAll(List.of(configLines));
      Files.write(config, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Resident set size from /proc/PID/status (VmRSS), in bytes. */
  public long rssBytes() {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      throw new IllegalStateException("no VmRSS for " + process.pid());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit by itself; returns its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("daemon still running after " + timeout + ":\n" + log());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return process.exitValue();
  }

  public long pid() {
    return process.pid();
  }

  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for a log line matching {@code regex}; returns the line. */
  public String awaitLog(String regex, Duration timeout) {
    Pattern pattern = Pattern.compile(regex);
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      Matcher m = pattern.matcher(log());
      if (m.find()) {
        int start = log().lastIndexOf('\n', m.start()) + 1;
        int stop = log().indexOf('\n', m.end());
        return log().substring(start, stop < 0 ? log().length() : stop);
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "daemon exited with "
                + process.exitValue()
                + " before /"
                + regex
                + "/ appeared; its log:\n"
                + log());
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException(
            "no /" + regex + "/ in the daemon's log within " + timeout + ":\n" + log());
      }
      sleep(50);
    }
  }

  /** GET a path of the metrics endpoint; returns status and body. */
  public HttpResponse<String> get(String path) {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
              .timeout(Duration.ofSeconds(10))
              .build();
      return client.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The value of one sample line of /metrics, e.g. {@code headroom_check_up{check="dns"}}; NaN if
   * absent.
   */
  public double metric(String series) {
    for (String line : get("/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  /** Sends a signal (TERM, HUP) the way systemd would. */
  public void signal(String name) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGTERM, then the exit code (bounded wait). */
  public int stop(Duration timeout) {
    if (process.isAlive()) {
      signal("TERM");
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("daemon did not stop within " + timeout + ":\n" + log());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop(Duration.ofSeconds(40));
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
