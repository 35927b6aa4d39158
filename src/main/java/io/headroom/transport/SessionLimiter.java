package io.headroom.transport;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps concurrent milter sessions at max_sessions (read on each connection, so a reload takes
 * effect for the next one). A connection over the cap is answered busy instead of queued: a queue
 * would only move the overload into Postfix's milter timeouts.
 */
final class SessionLimiter {
  private static final Logger log = LoggerFactory.getLogger(SessionLimiter.class);
  private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

  private final IntSupplier max;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger refusedSinceLog = new AtomicInteger();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

  SessionLimiter(IntSupplier max) {
    this.max = max;
  }

  /** Takes a slot, or returns false when max_sessions are in progress. */
  boolean tryAcquire() {
    int limit = max.getAsInt();
    for (int n = active.get(); n < limit; n = active.get()) {
      if (active.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    refused(limit);
    return false;
  }

  void release() {
    active.decrementAndGet();
  }

  int active() {
    return active.get();
  }

  /** At most one line a second under overload, with the count since the last one. */
  private void refused(int limit) {
    int refused = refusedSinceLog.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now)) {
      refusedSinceLog.addAndGet(-refused);
      log.warn("busy: {} sessions in progress (max_sessions = {}), answered {} new session(s) 451 4.3.0",
          active.get(), limit, refused);
    }
  }
}
