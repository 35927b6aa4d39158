package io.headroom.support;

import io.headroom.config.Config;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigParser;
import io.headroom.config.ConfigProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assertions;

/** Config files for tests, parsed as the daemon parses its own. */
public final class ConfigFiles {
  private ConfigFiles() {}

  /** Writes {@code lines} to {@code dir}/headroom.conf and parses it. */
  public static Config parse(Path dir, String... lines) throws IOException, ConfigException {
    return ConfigParser.parse(Files.write(dir.resolve("headroom.conf"), List.of(lines)));
  }

  /**
   * The problems the parser reports for {@code lines}, as it prints them; fails if it accepts them.
   */
  public static List<String> problems(Path dir, String... lines) {
    return Assertions.assertThrows(ConfigException.class, () -> parse(dir, lines))
        .problems()
        .stream()
        .map(ConfigProblem::toString)
        .toList();
  }
}
