package io.headroom.probe;

import io.headroom.config.Check;

/**
 * One immutable measurement.
 *
 * @param check the check it counts under
 * @param probe the probe's name ({@link Probe#name()})
 * @param healthy whether the measurement is within its limit
 * @param value the measured number in base units (ratio, load per core, seconds), NaN if none
 * @param measured the measurement for people, e.g. {@code 2.1% free}
 * @param limit the limit for people, e.g. {@code need 5%}
 * @param reason what a sender may read in the 451 reply, without "451 4.3.0" and without
 *     internal paths or addresses, e.g. {@code Mail spool disk nearly full (2.1% free, need 5%)}
 * @param detail the full internal detail for the log (paths, addresses, exception text)
 */
public record ProbeResult(
    Check check,
    String probe,
    boolean healthy,
    double value,
    String measured,
    String limit,
    String reason,
    String detail) {

  public static ProbeResult pass(Probe p, double value, String measured, String limit, String detail) {
    return new ProbeResult(p.check(), p.name(), true, value, measured, limit, "", detail);
  }

  public static ProbeResult fail(
      Probe p, double value, String measured, String limit, String reason, String detail) {
    return new ProbeResult(p.check(), p.name(), false, value, measured, limit, reason, detail);
  }
}
