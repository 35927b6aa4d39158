package io.headroom.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * ClamAV's own milter (Debian package clamav-milter), the baseline the benchmark compares content
 * scanning with: its own config in a test directory, a TCP milter socket on 127.0.0.1, scanning
 * through the given clamd. Configured to do what headroom-milter does with a scanner: reject
 * infected mail, defer when clamd fails, add no header.
 */
public final class ClamavMilter extends MilterProcess {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;

  private ClamavMilter(Process process, Path dir, int port) {
    super("clamav-milter", process, port, Duration.ofSeconds(10));
    this.dir = dir;
  }

  /**
   * Starts clamav-milter in the foreground against clamd's TCP socket and waits until it listens.
   */
  public static ClamavMilter start(Path dir, int clamdPort)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int port = Ports.freeTcpPort();
    Path config = dir.resolve("clamav-milter.conf");
    Files.writeString(
        config,
        String.join(
            "\n",
            "MilterSocket inet:" + port + "@127.0.0.1",
            "ClamdSocket tcp:127.0.0.1:" + clamdPort,
            "Foreground yes",
            "PidFile " + dir.resolve("clamav-milter.pid"),
            "TemporaryDirectory " + dir,
            "OnClean Accept",
            "OnInfected Reject",
            "OnFail Defer",
            "AddHeader No",
            "LogFile " + dir.resolve("clamav-milter.log"),
            "LogInfected Basic",
            // Like clamd's default and more than any benchmark message.
            "MaxFileSize 25M",
            ""),
        StandardCharsets.US_ASCII);
    Process process =
        new ProcessBuilder("clamav-milter", "--config-file=" + config)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("clamav-milter.out").toFile())
            .start();
    ClamavMilter milter = new ClamavMilter(process, dir, port);
    milter.awaitListening(START_TIMEOUT);
    return milter;
  }

  @Override
  String output() throws IOException {
    StringBuilder text = new StringBuilder();
    for (String name : new String[] {"clamav-milter.out", "clamav-milter.log"}) {
      Path file = dir.resolve(name);
      if (Files.exists(file)) {
        text.append(Files.readString(file, StandardCharsets.ISO_8859_1));
      }
    }
    return Processes.tail(text.toString(), 2000);
  }
}
