package io.headroom.transport;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * At most one log line a second per reason. Under a flood of bad connections (1,300 a second were
 * measured) a line for each would drown the journal and cost the event loop more than the
 * connections do. A line that follows suppressed ones says how many there were; {@link #flush()}
 * says it for a reason that went quiet. Counters are not limited: the caller counts every event.
 */
final class LogLimiter {
  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final LongSupplier nanoClock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  LogLimiter(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  LogLimiter() {
    this(System::nanoTime);
  }

  /**
   * Logs at WARN on {@code log}, unless a line for {@code reason} went out less than a second ago.
   */
  void warn(Logger log, String reason, String format, Object... args) {
    log(log, Level.WARN, reason, format, args);
  }

  /**
   * Logs at INFO on {@code log}, unless a line for {@code reason} went out less than a second ago.
   */
  void info(Logger log, String reason, String format, Object... args) {
    log(log, Level.INFO, reason, format, args);
  }

  private void log(Logger log, Level level, String reason, String format, Object... args) {
    long suppressed =
        windows
            .computeIfAbsent(
                reason, r -> new Window(log, level, nanoClock.getAsLong() - INTERVAL_NANOS))
            .admit(nanoClock.getAsLong());
    if (suppressed == 0) {
      log.atLevel(level).log(format, args);
    } else if (suppressed > 0) {
      Object[] more = Arrays.copyOf(args, args.length + 1);
      more[args.length] = suppressed;
      log.atLevel(level).log(format + " ({} more like this in the last second, not logged)", more);
    }
  }

  /**
   * Reports the lines suppressed for each reason whose second is over; run once a second or more
   * often.
   */
  void flush() {
    long now = nanoClock.getAsLong();
    windows.forEach(
        (reason, window) -> {
          long suppressed = window.drain(now);
          if (suppressed > 0) {
            window
                .log
                .atLevel(window.level)
                .log("{}: {} more like this in the last second, not logged", reason, suppressed);
          }
        });
  }

  private static final class Window {
    final Logger log;
    final Level level;
    private long start;
    private long suppressed;

    Window(Logger log, Level level, long start) {
      this.log = log;
      this.level = level;
      this.start = start;
    }

    /** -1 when this line is to be suppressed, else how many were suppressed before it. */
    synchronized long admit(long now) {
      if (now - start < INTERVAL_NANOS) {
        suppressed++;
        return -1;
      }
      start = now;
      long before = suppressed;
      suppressed = 0;
      return before;
    }

    synchronized long drain(long now) {
      if (suppressed == 0 || now - start < INTERVAL_NANOS) {
        return 0;
      }
      start = now;
      long before = suppressed;
      suppressed = 0;
      return before;
    }
  }
}
