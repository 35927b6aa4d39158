package io.headroom;

import io.headroom.config.ParsedConfig;
import io.headroom.config.Setting;
import java.io.PrintStream;

/**
 * {@code config}: the effective settings as {@code name = value} lines, like {@code postconf} and
 * {@code clamconf}. The output is itself a valid headroom.conf; a setting off its default is
 * preceded by a comment naming its line and its default, and {@code -n} prints only those, like
 * {@code postconf -n}.
 */
final class ConfigCommand {
  private ConfigCommand() {}

  static int print(ParsedConfig parsed, boolean changedOnly, PrintStream out) {
    out.println("# " + parsed.config().describeSource());
    for (Setting setting : parsed.settings()) {
      if (setting.changed()) {
        if (!changedOnly) {
          out.println(
              "# changed on line " + setting.line() + "; default: " + setting.defaultValue());
        }
        out.println(setting);
      } else if (!changedOnly) {
        out.println(setting);
      }
    }
    return Main.EXIT_OK;
  }
}
