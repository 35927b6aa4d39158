package io.headroom.probe;

import io.headroom.config.Check;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Runs a costly probe at most once per {@code minInterval} and answers the monitor's other rounds
 * with the last result: for probes whose every run costs someone else. An uncached DNS query makes
 * the resolver ask the zone's servers; {@code postqueue} makes Postfix's showq read the queue.
 */
public final class MinIntervalProbe implements Probe {

  /** Which results stand for the rest of the interval. */
  enum Reuse {
    /**
     * Passes only: a failure is measured again on the monitor's next round, so its damping confirms
     * with fresh measurements (one lost UDP packet does not defer mail for a whole interval) and
     * recovery shows at the monitor's pace.
     */
    PASSES,
    /**
     * Every result that measured something (a level, or a lower bound from a count cut off at its
     * deadline): a level that moves slowly (a queue) is not worth measuring every round, and a
     * count cut off will be cut off again. A failure that measured nothing (postqueue could not
     * reach showq during a Postfix restart) is measured again on the next round, so it counts once
     * towards {@code fail_after}, not once a round for the whole interval.
     */
    MEASUREMENTS
  }

  private final Probe delegate;
  private final long minIntervalNanos;
  private final Reuse reuse;
  private final LongSupplier nanoTime;
  private ProbeResult last;
  private long lastAt;

  /** The delegate's latest result, and when its run ended on {@code nanoTime}. */
  private ProbeResult latest;

  private long latestEnded;

  MinIntervalProbe(Probe delegate, Duration minInterval, Reuse reuse, LongSupplier nanoTime) {
    this.delegate = delegate;
    this.minIntervalNanos = minInterval.toNanos();
    this.reuse = reuse;
    this.nanoTime = nanoTime;
  }

  /** For the DNS recursion probe: see {@link Reuse#PASSES}. */
  public static MinIntervalProbe reusingPasses(Probe delegate, Duration minInterval) {
    return new MinIntervalProbe(delegate, minInterval, Reuse.PASSES, System::nanoTime);
  }

  /** For the queue probe: see {@link Reuse#MEASUREMENTS}. */
  public static MinIntervalProbe reusingMeasurements(Probe delegate, Duration minInterval) {
    return new MinIntervalProbe(delegate, minInterval, Reuse.MEASUREMENTS, System::nanoTime);
  }

  @Override
  public Check check() {
    return delegate.check();
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public Measure measure() {
    return delegate.measure();
  }

  @Override
  public String subject() {
    return delegate.subject();
  }

  @Override
  public String noun() {
    return delegate.noun();
  }

  @Override
  public Optional<Duration> ownDeadline() {
    return delegate.ownDeadline();
  }

  @Override
  public boolean confirmsItself() {
    return delegate.confirmsItself();
  }

  @Override
  public boolean countsOnly() {
    return delegate.countsOnly();
  }

  /**
   * Synchronized: the monitor never runs one probe twice at once, but a status command may, and the
   * queue's level probes run the queue check's probe in the same round as the monitor does. A call
   * that waited for a run under way takes that run's result, even one not kept for the interval:
   * else each level probe would run a failing postqueue once more in every round.
   */
  @Override
  public ProbeResult run() throws Exception {
    long arrived = nanoTime.getAsLong();
    synchronized (this) {
      // A run that ended after this call began is one it waited for.
      if (latest != null && latestEnded - arrived > 0) {
        return latest;
      }
      long now = nanoTime.getAsLong();
      if (last != null && now - lastAt < minIntervalNanos) {
        return last;
      }
      last = null;
      ProbeResult result = delegate.run();
      latest = result;
      latestEnded = nanoTime.getAsLong();
      if (result.healthy() || (reuse == Reuse.MEASUREMENTS && !Double.isNaN(result.value()))) {
        last = result;
        lastAt = now;
      }
      return result;
    }
  }
}
