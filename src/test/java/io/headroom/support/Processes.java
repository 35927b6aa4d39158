package io.headroom.support;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small process and port helpers for the test servers. */
public final class Processes {

  private Processes() {}

  /** Runs a command to completion and returns its standard output; fails on a non-zero exit. */
  public static String output(List<String> command, Duration timeout)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IOException(command + " did not finish within " + timeout);
    }
    if (p.exitValue() != 0) {
      throw new IOException(command + " exited with " + p.exitValue());
    }
    return new String(out, UTF_8);
  }

  public static void signal(long pid, String signal) throws IOException, InterruptedException {
    output(List.of("kill", "-" + signal, Long.toString(pid)), Duration.ofSeconds(10));
  }

  /** SIGTERM, then SIGKILL if the process is still there after {@code grace}. */
  public static void terminate(Process process, Duration grace) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  public static String tail(String text, int chars) {
    return text.length() <= chars ? text : text.substring(text.length() - chars);
  }
}
