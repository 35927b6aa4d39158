package io.headroom.support;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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

  /**
   * Whether {@code pid} runs, from /proc: a zombie (state Z) has ended and only waits for a parent
   * to reap it, which for an orphan is init, whenever it gets to it.
   */
  public static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), UTF_8);
      // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'.
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Waits up to {@code timeout} for {@code pid} to end (SIGKILL is delivered, not awaited, by
   * kill(2)).
   */
  public static boolean ended(long pid, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (running(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
    return true;
  }

  /**
   * The pids of running (not zombie) processes whose command line holds {@code fragment}, e.g. a
   * test's own table file: other tests on the machine may run the same program meanwhile.
   */
  public static List<Long> runningWith(String fragment) throws IOException {
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      return entries
          .map(p -> p.getFileName().toString())
          .filter(n -> n.chars().allMatch(Character::isDigit))
          .map(Long::valueOf)
          .filter(pid -> commandLine(pid).contains(fragment) && running(pid))
          .toList();
    }
  }

  /** The arguments separated by spaces; empty for a process that has gone. */
  private static String commandLine(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  public static String tail(String text, int chars) {
    return text.length() <= chars ? text : text.substring(text.length() - chars);
  }
}
