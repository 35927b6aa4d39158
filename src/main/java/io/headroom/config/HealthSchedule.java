package io.headroom.config;

import java.time.Duration;

/**
 * When the probes run and how their results are damped.
 *
 * @param probeTimeout the deadline of each probe. Set in the file, it is at most {@code
 *     probeInterval}, so a round ends before the next is due; unset, it is 5s whatever the
 *     interval, because the first round, on a cold JVM, counts at once and a short interval must
 *     not make it fail
 * @param failAfter consecutive failing probe results before a healthy check turns failing
 * @param recoverAfter consecutive passing probe results before a failing check turns healthy
 */
public record HealthSchedule(
    Duration probeInterval, Duration probeTimeout, int failAfter, int recoverAfter) {
  static HealthSchedule load(Settings s) {
    Duration interval = s.value("probe_interval", "2s", Values.positiveDuration("1h"));
    Duration timeout = s.value("probe_timeout", "5s", Values.positiveDuration("5m"));
    if (!s.isSet("probe_timeout")) {
      s.derived("probe_timeout", Units.formatDuration(timeout));
    }
    if (s.isSet("probe_timeout")
        && timeout.compareTo(interval) > 0
        && s.isValid("probe_interval")
        && s.isValid("probe_timeout")) {
      s.problem(
          "probe_timeout",
          Units.formatDuration(timeout)
              + " is above probe_interval = "
              + Units.formatDuration(interval)
              + " (a round of probes must end before the next is due)");
    }
    return new HealthSchedule(
        interval,
        timeout,
        s.value("fail_after", "2", Values.positiveInt(100)),
        s.value("recover_after", "2", Values.positiveInt(100)));
  }

  /**
   * The deadline a probe keeps itself, read from {@code name}: it must fall before {@code
   * probe_timeout}, which would otherwise cut the probe off first and count it as failing. Set, one
   * not below probe_timeout is a problem; unset, it is {@code defaultValue} or 80% of a shorter
   * probe_timeout, rather than fail a file that never named it.
   *
   * @param max the largest value that may be written
   * @param cutOff what probe_timeout would cut off, for the problem's text
   */
  Duration belowProbeTimeout(
      Settings s, String name, String defaultValue, String max, String cutOff) {
    Duration value = s.value(name, defaultValue, Values.positiveDuration(max));
    if (!s.isSet(name)) {
      Duration share = probeTimeout.multipliedBy(4).dividedBy(5);
      Duration effective = share.compareTo(value) < 0 ? share : value;
      s.derived(name, Units.formatDuration(effective));
      return effective;
    }
    if (value.compareTo(probeTimeout) >= 0 && s.isValid(name) && s.isValid("probe_timeout")) {
      s.problem(
          name,
          Units.formatDuration(value)
              + " is not below probe_timeout = "
              + Units.formatDuration(probeTimeout)
              + " (the probe's own deadline would cut "
              + cutOff
              + " off first)");
    }
    return value;
  }
}
