package io.headroom.config;

import java.time.Duration;

/**
 * When the probes run and how their results are damped.
 *
 * @param probeTimeout the deadline of each probe; at most {@code probeInterval}, so a round ends
 *     before the next is due and the snapshot never ages by more than about two intervals
 * @param failAfter consecutive failing probe results before a healthy check turns failing
 * @param recoverAfter consecutive passing probe results before a failing check turns healthy
 */
public record HealthSchedule(Duration probeInterval, Duration probeTimeout, int failAfter, int recoverAfter) {
  private static final Duration MAX_DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  static HealthSchedule load(Settings s) {
    Duration interval = s.value("probe_interval", "2s", Values.positiveDuration("1h"));
    Duration defaultTimeout = interval.compareTo(MAX_DEFAULT_TIMEOUT) < 0 ? interval : MAX_DEFAULT_TIMEOUT;
    Duration timeout = s.value("probe_timeout", Units.formatDuration(defaultTimeout), Values.positiveDuration("5m"));
    if (timeout.compareTo(interval) > 0 && s.isValid("probe_interval") && s.isValid("probe_timeout")) {
      s.problem("probe_timeout", Units.formatDuration(timeout) + " is above probe_interval = "
          + Units.formatDuration(interval) + " (a round of probes must end before the next is due)");
    }
    return new HealthSchedule(
        interval,
        timeout,
        s.value("fail_after", "2", Values.positiveInt(100)),
        s.value("recover_after", "2", Values.positiveInt(100)));
  }
}
