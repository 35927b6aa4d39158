package io.headroom.probe;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Runs a command to its end or its deadline; the seam that lets tests hand a probe fixed output.
 */
@FunctionalInterface
public interface CommandRunner {

  /**
   * @throws IOException when the command cannot be started at all (not installed, not executable)
   */
  CommandOutput run(List<String> command, Duration deadline)
      throws IOException, InterruptedException;
}
