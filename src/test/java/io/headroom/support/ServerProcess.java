package io.headroom.support;

import java.io.IOException;
import java.time.Duration;

/**
 * A server a test runs as a child process (clamd, spamd, milters): pause, resume and stop it like
 * an admin.
 */
abstract class ServerProcess implements AutoCloseable {
  private final String name;
  private final Duration stopTimeout;
  protected Process process;

  ServerProcess(String name, Duration stopTimeout) {
    this.name = name;
    this.stopTimeout = stopTimeout;
  }

  String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** SIGSTOP: the kernel still accepts connections on its sockets, but it answers nothing. */
  public void pause() throws IOException, InterruptedException {
    Processes.signal(pid(), "STOP");
  }

  /** SIGCONT. */
  public void resume() throws IOException, InterruptedException {
    Processes.signal(pid(), "CONT");
  }

  /** SIGTERM (after SIGCONT, or a paused server would never act on it); kills it if it lingers. */
  public void stop() throws IOException, InterruptedException {
    if (!isRunning()) {
      return;
    }
    resume();
    Processes.terminate(process, stopTimeout);
  }

  @Override
  public void close() throws IOException {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping " + name, e);
    }
  }
}
