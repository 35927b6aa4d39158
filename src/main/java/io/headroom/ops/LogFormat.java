package io.headroom.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How log lines look: plain lines for a terminal, syslog-prefixed lines without a timestamp for
 * journald, or JSON lines. Chosen once at start, without any config file, so that a config error is
 * already logged in the right format.
 */
public enum LogFormat {
  PLAIN,
  JOURNAL,
  JSON;

  /** Forces a format: {@code plain}, {@code journal} or {@code json}. */
  public static final String FORMAT_ENV = "HEADROOM_LOG_FORMAT";

  /**
   * HEADROOM_LOG_FORMAT if set; else journal when stdout is the stream systemd connected to the
   * journal (JOURNAL_STREAM names its device and inode, see systemd.exec(5)), so that a child whose
   * output was redirected to a file keeps plain lines; else plain.
   *
   * @param stdout the device and inode of standard output as "DEV:INO", if known
   */
  static LogFormat choose(Map<String, String> env, Optional<String> stdout) {
    String forced = env.getOrDefault(FORMAT_ENV, "");
    if (!forced.isEmpty()) {
      return named(forced);
    }
    String journal = env.getOrDefault("JOURNAL_STREAM", "");
    return !journal.isEmpty() && stdout.filter(journal::equals).isPresent() ? JOURNAL : PLAIN;
  }

  /** plain, journal or json. */
  static LogFormat named(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "log format \"" + name + "\" is not plain, journal or json", e);
    }
  }

  /** The format for this process's environment and standard output. */
  static LogFormat fromEnvironment() {
    return choose(System.getenv(), stdoutIdentity());
  }

  /** "DEV:INO" of fd 1, the way systemd formats JOURNAL_STREAM. */
  static Optional<String> stdoutIdentity() {
    return identity(Path.of("/proc/self/fd/1"));
  }

  static Optional<String> identity(Path file) {
    try {
      return Optional.of(
          Files.getAttribute(file, "unix:dev") + ":" + Files.getAttribute(file, "unix:ino"));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }
}
