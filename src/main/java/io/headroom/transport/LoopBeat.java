package io.headroom.transport;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Proves the event loop alive: the loop runs {@link #run()} every {@link #INTERVAL_MILLIS}, which
 * records the time and does the loop's housekeeping (the suppressed-log summaries). Anything that
 * blocks the loop (issue 12 saw it sleep for minutes in the JDK's direct-memory retry) shows as a
 * beat that is late: {@link #stalledFor()}, for /health and the systemd watchdog.
 */
final class LoopBeat implements Runnable {
  static final long INTERVAL_MILLIS = 1000;
  private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS);

  private final LogLimiter logLimiter;
  private volatile long last = System.nanoTime();

  LoopBeat(LogLimiter logLimiter) {
    this.logLimiter = logLimiter;
  }

  @Override
  public void run() {
    last = System.nanoTime();
    logLimiter.flush();
  }

  /** How much later than due the last beat is; zero while the loop keeps time. */
  Duration stalledFor() {
    long late = System.nanoTime() - last - INTERVAL_NANOS;
    return late > 0 ? Duration.ofNanos(late) : Duration.ZERO;
  }
}
