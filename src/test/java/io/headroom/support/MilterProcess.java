package io.headroom.support;

import java.io.IOException;
import java.time.Duration;

/** A milter a test runs as a child process, listening on a TCP port on 127.0.0.1. */
abstract class MilterProcess extends ServerProcess {
  private final int port;

  MilterProcess(String name, Process process, int port, Duration stopTimeout) {
    super(name, stopTimeout);
    this.process = process;
    this.port = port;
  }

  /** For Postfix's smtpd_milters. */
  public String milterAddress() {
    return "inet:127.0.0.1:" + port;
  }

  /** Returns once the milter listens; otherwise stops it and throws with what it said. */
  void awaitListening(Duration timeout) throws IOException, InterruptedException {
    if (Ports.awaitListening(port, process, timeout)) {
      return;
    }
    String why =
        process.isAlive()
            ? "did not listen on port " + port + " within " + timeout
            : "exited with " + process.exitValue();
    close();
    throw new IOException(name() + " " + why + ": " + output());
  }

  /** What the process wrote, for a failed start. */
  abstract String output() throws IOException;
}
