package io.headroom.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A test helper written in C (src/test/c), compiled by the test that needs it. */
public final class CProgram {
  private CProgram() {}

  /**
   * Compiles {@code source} to {@code binary}, linking {@code libraries} (as in {@code -lmilter});
   * {@code needs} names the packages a failure points to.
   */
  public static Path compile(Path source, Path binary, String needs, String... libraries)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of("cc", "-O2", "-Wall", "-o", binary.toString(), source.toString()));
    for (String library : libraries) {
      command.add("-l" + library);
    }
    Process cc = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
      throw new IOException("cannot compile " + source + " (needs " + needs + "): " + output);
    }
    return binary;
  }
}
