package io.headroom.transport;

import java.util.function.Supplier;
import org.nightcode.milter.util.Log;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Routes jmilter's own logging into SLF4J. Left alone, jmilter prints every level, debug included,
 * straight to stdout and stderr: a "protocol negotiation" block and "NR bit" lines for each
 * session, and, when its command engine gives up on a packet, the packet in hex, message content
 * included. Through SLF4J, logback.xml decides (and keeps the command engine quiet; the session
 * handler logs one line with the reason instead).
 */
final class JmilterLog implements Log.LoggingHandler {
  private final Level level;

  private JmilterLog(Level level) {
    this.level = level;
  }

  /** Idempotent; called before the first connection is served. */
  static void install() {
    Log.setLoggingHandler(
        new JmilterLog(Level.DEBUG),
        new JmilterLog(Level.INFO),
        new JmilterLog(Level.WARN),
        new JmilterLog(Level.ERROR),
        new JmilterLog(Level.ERROR));
  }

  @Override
  public void log(Class<?> clazz, String message) {
    log(clazz, () -> message, null);
  }

  @Override
  public void log(Class<?> clazz, String message, Object... params) {
    log(clazz, () -> String.format(message.replace("{}", "%s"), params), null);
  }

  @Override
  public void log(Class<?> clazz, String message, Throwable thrown) {
    log(clazz, () -> message, thrown);
  }

  @Override
  public void log(Class<?> clazz, Supplier<String> supplier, Throwable thrown) {
    Logger logger = LoggerFactory.getLogger(clazz);
    if (logger.isEnabledForLevel(level)) {
      logger.atLevel(level).setCause(thrown).log(supplier.get());
    }
  }
}
