package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external tool (promtool, systemd-analyze, dpkg) with a deadline and captures its output.
 */
final class Tool {

  /**
   * What one run printed (stdout and stderr merged, as an admin would see it) and its exit code.
   */
  record Result(List<String> command, int exitCode, String output) {
    Result assertExit(int expected) {
      if (exitCode != expected) {
        fail(
            String.join(" ", command)
                + " exited "
                + exitCode
                + ", expected "
                + expected
                + ":\n"
                + output);
      }
      return this;
    }
  }

  private Tool() {}

  /**
   * Fails the test, saying which Debian package brings the tool, when the tool is not installed.
   * Not a skip: .ci/run installs every one of these, and a skipped test leaves the build green with
   * nothing checked.
   */
  static void requireInstalled(String executable, String debianPackage) {
    if (!onPath(executable)) {
      fail(
          executable
              + " is not installed (apt-get install "
              + debianPackage
              + "; .ci/run installs it)");
    }
  }

  static boolean onPath(String executable) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, executable))) {
        return true;
      }
    }
    return false;
  }

  static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
    return run(timeout, null, command);
  }

  static Result run(Duration timeout, Path workDir, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Path out = Files.createTempFile("headroom-ops-tool", ".out");
    try {
      builder.redirectOutput(out.toFile());
      if (workDir != null) {
        builder.directory(workDir.toFile());
      }
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        fail(String.join(" ", command) + " did not finish within " + timeout);
      }
      return new Result(
          new ArrayList<>(List.of(command)),
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
