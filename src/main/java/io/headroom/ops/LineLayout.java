package io.headroom.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One text line per event: {@code TIME LEVEL Logger: message} on a terminal, and {@code
 * <PRIORITY>Logger: message} for journald, which stamps its own time and reads the priority from
 * the prefix (SyslogLevelPrefix=, on by default).
 *
 * <p>journald's stream protocol makes one entry of each line, so for the journal every line break
 * inside an event (a stack trace, a multi-line message) is folded into " | ": one event stays one
 * entry that {@code journalctl -p warning} finds whole. The native journal protocol would keep the
 * breaks, but needs its own socket and a memfd for large entries; folding keeps stdout the only
 * output, and the plain lines are what `journalctl -o cat` shows anyway.
 */
final class LineLayout {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

  private final boolean journal;
  private final ZoneId zone;

  LineLayout(boolean journal, ZoneId zone) {
    this.journal = journal;
    this.zone = zone;
  }

  String format(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(160);
    if (journal) {
      line.append('<').append(priority(event.getLevel())).append('>');
    } else {
      line.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()).atZone(zone))).append(' ');
      line.append(String.format(Locale.ROOT, "%-5s", event.getLevel())).append(' ');
    }
    String logger = event.getLoggerName();
    line.append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(": ");
    line.append(event.getFormattedMessage());
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.append('\n').append(ThrowableProxyUtil.asString(thrown));
    }
    String text = journal ? fold(line.toString()) : line.toString().stripTrailing();
    return text + "\n";
  }

  /** syslog(3) priorities, as journald reads them from a {@code <N>} prefix. */
  static int priority(Level level) {
    return switch (level.toInt()) {
      case Level.ERROR_INT -> 3;
      case Level.WARN_INT -> 4;
      case Level.INFO_INT -> 6;
      default -> 7;
    };
  }

  private static String fold(String text) {
    return text.strip().replaceAll("\\s*(\\r\\n|\\r|\\n)\\s*", " | ");
  }
}
