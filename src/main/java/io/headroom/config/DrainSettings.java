package io.headroom.config;

import java.nio.file.Path;

/**
 * Where the maintenance drain is kept: {@code headroom-milter drain} writes the file, the daemon
 * reads it each probe round.
 *
 * @param file absolute; its directory is the unit's {@code StateDirectory}
 */
public record DrainSettings(Path file) {
  /** Under the unit's {@code StateDirectory=headroom-milter}. */
  public static final Path DEFAULT_FILE = Path.of("/var/lib/headroom-milter/drain");

  static DrainSettings load(Settings s) {
    return new DrainSettings(s.value("drain_file", DEFAULT_FILE.toString(), Values::absolutePath));
  }
}
