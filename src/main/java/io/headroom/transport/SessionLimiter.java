package io.headroom.transport;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Caps concurrent milter sessions at max_sessions (read on each connection, so a reload takes
 * effect for the next one). A connection over the cap is answered busy instead of queued: a queue
 * would only move the overload into Postfix's milter timeouts.
 */
final class SessionLimiter {
  private final IntSupplier max;
  private final AtomicInteger active = new AtomicInteger();

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
    return false;
  }

  void release() {
    active.decrementAndGet();
  }

  int active() {
    return active.get();
  }

  int max() {
    return max.getAsInt();
  }
}
