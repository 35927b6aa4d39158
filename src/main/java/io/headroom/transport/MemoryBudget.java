package io.headroom.transport;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes the daemon may hold on behalf of its peers, all of them together: the partial packets the
 * milter connections are receiving, and (through {@link #tryReserve}) whatever else a caller holds
 * per message, such as a scan's batch. Without one bound for all, each per-connection bound is
 * multiplied by however many connections an attacker opens. A reservation that does not fit is
 * refused at once, never waited for: the caller closes the connection or answers 451 instead.
 */
public final class MemoryBudget {
  /**
   * The share of the maximum heap given to peers' bytes: half, so that with the unit's {@code
   * -Xmx256m} 128 MiB hold every session's largest packet (500 x 128 KiB = 62.5 MiB) with as much
   * again for scans in flight, and the other half stays for the daemon's own objects.
   */
  private static final int HEAP_SHARE_DIVISOR = 2;

  private final long limit;
  private final AtomicLong used = new AtomicLong();

  public MemoryBudget(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("memory budget must be positive: " + limit);
    }
    this.limit = limit;
  }

  /** The budget for this JVM: a share of its maximum heap ({@code -Xmx}). */
  public static MemoryBudget forHeap() {
    return new MemoryBudget(Runtime.getRuntime().maxMemory() / HEAP_SHARE_DIVISOR);
  }

  /**
   * Takes {@code bytes} from the budget, or returns false (and takes nothing) when they do not fit.
   */
  public boolean tryReserve(long bytes) {
    for (long u = used.get(); u + bytes <= limit; u = used.get()) {
      if (used.compareAndSet(u, u + bytes)) {
        return true;
      }
    }
    return false;
  }

  /**
   * For holds that outlive one call, such as a message's scan: a handle that gives the bytes back
   * when closed, however often it is closed (a scan ends by its verdict, by an abort or by the
   * connection's end, and more than one may happen).
   *
   * @return empty when {@code bytes} do not fit: answer 451 "busy" rather than hold them anyway
   */
  public Optional<Reservation> reserve(long bytes) {
    return tryReserve(bytes) ? Optional.of(new Reservation(bytes)) : Optional.empty();
  }

  /** Gives back bytes a successful {@link #tryReserve} took. */
  public void release(long bytes) {
    used.addAndGet(-bytes);
  }

  public long used() {
    return used.get();
  }

  public long limit() {
    return limit;
  }

  /** Bytes taken by {@link #reserve}; {@link #close()} gives them back once. */
  public final class Reservation implements AutoCloseable {
    private final long bytes;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Reservation(long bytes) {
      this.bytes = bytes;
    }

    @Override
    public void close() {
      if (open.getAndSet(false)) {
        release(bytes);
      }
    }
  }
}
