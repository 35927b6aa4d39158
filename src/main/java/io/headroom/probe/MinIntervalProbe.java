package io.headroom.probe;

import io.headroom.config.Check;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Runs a costly probe at most once per {@code minInterval} while it passes, and answers the
 * monitor's other rounds with the last passing result. A failing result is never reused: the
 * monitor's confirmation rounds then measure afresh, so one failed query does not defer mail for a
 * whole interval and recovery is seen at the monitor's own pace.
 *
 * <p>For probes whose every run costs someone else: an uncached DNS query makes the resolver ask
 * the zone's servers, and {@code postqueue} makes Postfix's showq read every queue file.
 */
public final class MinIntervalProbe implements Probe {
  private final Probe delegate;
  private final long minIntervalNanos;
  private final LongSupplier nanoTime;
  private ProbeResult lastPass;
  private long lastPassAt;

  public MinIntervalProbe(Probe delegate, Duration minInterval) {
    this(delegate, minInterval, System::nanoTime);
  }

  MinIntervalProbe(Probe delegate, Duration minInterval, LongSupplier nanoTime) {
    this.delegate = delegate;
    this.minIntervalNanos = minInterval.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public Check check() {
    return delegate.check();
  }

  @Override
  public String name() {
    return delegate.name();
  }

  /** Synchronized: the monitor never runs one probe twice at once, but a status command may. */
  @Override
  public synchronized ProbeResult run() throws Exception {
    long now = nanoTime.getAsLong();
    if (lastPass != null && now - lastPassAt < minIntervalNanos) {
      return lastPass;
    }
    lastPass = null;
    ProbeResult result = delegate.run();
    if (result.healthy()) {
      lastPass = result;
      lastPassAt = now;
    }
    return result;
  }
}
