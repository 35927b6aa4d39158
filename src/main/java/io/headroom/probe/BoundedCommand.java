package io.headroom.probe;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a child process under a hard deadline: when it expires the child and every process it
 * started are killed (SIGKILL), because Postfix's pgsql and mysql clients have no timeout of their
 * own and hang as long as their server does. Standard output and error are each kept up to a byte
 * limit; the rest is read and dropped, so a chatty child never blocks on a full pipe.
 */
public final class BoundedCommand implements CommandRunner {
  private static final File NO_INPUT = new File("/dev/null");

  /** How long the readers may take to see end of file once the child is gone. */
  private static final Duration DRAIN = Duration.ofSeconds(1);

  /** Each reader gets its own short-lived daemon thread: one per stream per run, never pooled. */
  private static final Executor READER =
      task -> {
        Thread t = new Thread(task, "child-output");
        t.setDaemon(true);
        t.start();
      };

  private final int outputLimit;

  /**
   * @param outputLimit the bytes kept of each of standard output and standard error
   */
  public BoundedCommand(int outputLimit) {
    this.outputLimit = outputLimit;
  }

  @Override
  public CommandOutput run(List<String> command, Duration deadline)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectInput(NO_INPUT).start();
    CompletableFuture<String> stdout = read(process.getInputStream());
    CompletableFuture<String> stderr = read(process.getErrorStream());
    boolean exited;
    try {
      exited = process.waitFor(deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
    if (!exited) {
      killTree(process);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    return new CommandOutput(
        exited ? process.exitValue() : -1, collect(stdout), collect(stderr), !exited, elapsed);
  }

  /**
   * The descendants are listed before the child dies: afterwards they are re-parented and no longer
   * found. postmap itself does not fork, but a wrapper script the admin puts in its place may.
   */
  private static void killTree(Process process) throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    for (ProcessHandle d : descendants) {
      d.descendants().forEach(ProcessHandle::destroyForcibly);
      d.destroyForcibly();
    }
    process.waitFor(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<String> read(InputStream in) {
    return CompletableFuture.supplyAsync(() -> readBounded(in), READER);
  }

  private String readBounded(InputStream in) {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        kept.write(buffer, 0, Math.max(0, Math.min(n, outputLimit - kept.size())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return kept.toString(StandardCharsets.UTF_8);
  }

  /**
   * Whatever was read; a stream still open (a killed child's grandchild holding it) counts as
   * empty.
   */
  private static String collect(CompletableFuture<String> output) throws InterruptedException {
    try {
      return output.get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return "";
    }
  }
}
