package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.reply.Reason;
import java.util.Optional;

/**
 * One immutable measurement.
 *
 * @param check the check it counts under
 * @param probe the probe's name ({@link Probe#name()})
 * @param measure what {@code value} is, for its gauge
 * @param subject what was measured (a path), the gauge's label value; empty for none
 * @param healthy whether the measurement is within its limit
 * @param value the measured number in base units (ratio, load per core, seconds), NaN if none
 * @param measured the measurement for people, e.g. {@code 2.1% free}
 * @param limit the limit for people, e.g. {@code need 5%}
 * @param failure for a failing result, what a sender may read in the 451 reply, without internal
 *     paths or addresses; empty for a passing one
 * @param detail the full internal detail for the log (paths, addresses, exception text)
 * @param fileStore what a disk space probe read, for the room check at MAIL ({@link SpoolRoom});
 *     empty for every other probe
 */
public record ProbeResult(
    Check check,
    String probe,
    Measure measure,
    String subject,
    boolean healthy,
    double value,
    String measured,
    String limit,
    Optional<Reason> failure,
    String detail,
    Optional<FileStoreUsage> fileStore) {

  public ProbeResult(
      Check check,
      String probe,
      Measure measure,
      String subject,
      boolean healthy,
      double value,
      String measured,
      String limit,
      Optional<Reason> failure,
      String detail) {
    this(
        check,
        probe,
        measure,
        subject,
        healthy,
        value,
        measured,
        limit,
        failure,
        detail,
        Optional.empty());
  }

  /** This result with what the file system read, for the room check. */
  ProbeResult with(FileStoreUsage usage) {
    return new ProbeResult(
        check,
        probe,
        measure,
        subject,
        healthy,
        value,
        measured,
        limit,
        failure,
        detail,
        Optional.of(usage));
  }

  /**
   * The failure's words, {@code Mail spool disk nearly full (2.1% free, need 5%)}; empty when
   * passing.
   */
  public String reason() {
    return failure.map(Reason::text).orElse("");
  }

  public static ProbeResult pass(
      Probe p, double value, String measured, String limit, String detail) {
    return new ProbeResult(
        p.check(),
        p.name(),
        p.measure(),
        p.subject(),
        true,
        value,
        measured,
        limit,
        Optional.empty(),
        detail);
  }

  /**
   * A failing result; the reason names the probe's dependency ({@link Probe#noun()}) and says
   * {@code condition}, with {@code facts} in parentheses.
   */
  public static ProbeResult fail(
      Probe p,
      double value,
      String measured,
      String limit,
      String condition,
      String detail,
      String... facts) {
    return new ProbeResult(
        p.check(),
        p.name(),
        p.measure(),
        p.subject(),
        false,
        value,
        measured,
        limit,
        Optional.of(Reason.of(p.noun(), condition, facts)),
        detail);
  }
}
