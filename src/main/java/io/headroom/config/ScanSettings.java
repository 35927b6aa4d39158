package io.headroom.config;

import java.time.Duration;
import java.util.List;

/**
 * Content scanning: the backends, the per-message deadline and what to do with each verdict.
 *
 * @param timeout deadline for one message's whole scan
 * @param timeoutPerMib extra allowance per MiB of message, so big messages are not deferred for
 *     being big
 * @param maxSize messages larger than this are not sent to the scanners
 * @param spamdMaxSize messages larger than this are not sent to spamd (spamc's own default is 500
 *     KB: spam is small, and SpamAssassin's time grows with the message)
 * @param oversizeAction what happens to a message larger than {@code maxSize}
 * @param malwareAction what happens to a message a virus scanner flags
 * @param spamRejectScore spamd score at or above which a message is rejected; NaN disables
 *     rejection
 */
public record ScanSettings(
    List<ScannerEndpoint> scanners,
    Duration timeout,
    Duration timeoutPerMib,
    long maxSize,
    long spamdMaxSize,
    OversizeAction oversizeAction,
    MalwareAction malwareAction,
    double spamRejectScore) {

  public enum OversizeAction {
    /** Accept without scanning, counted as skipped. */
    SKIP,
    /** 552 5.3.4: the message is refused for its size. */
    REJECT,
    /** 451 4.3.0: deferred. */
    TEMPFAIL
  }

  public enum MalwareAction {
    REJECT,
    TEMPFAIL,
    /** Accepted into Postfix's hold queue for an admin to inspect. */
    QUARANTINE
  }

  public ScanSettings {
    scanners = List.copyOf(scanners);
  }

  static ScanSettings load(Settings s) {
    return new ScanSettings(
        s.list("scanners", "", ScannerEndpoint::parse),
        s.value("scan_timeout", "30s", Values.positiveDuration("10m")),
        s.value("scan_timeout_per_mib", "0s", Values.duration("1m")),
        s.value("scan_max_size", "25M", Units::parseSize),
        s.value("spamd_max_size", "512k", Units::parseSize),
        s.value("scan_oversize_action", "skip", Values.oneOf(OversizeAction.class)),
        s.value("malware_action", "reject", Values.oneOf(MalwareAction.class)),
        s.value(
            "spam_reject_score", "15", v -> v.equals("off") ? Double.NaN : Values.finiteDouble(v)));
  }

  public boolean enabled() {
    return !scanners.isEmpty();
  }

  /** The deadline for a message of {@code size} bytes. */
  public Duration deadlineFor(long size) {
    return timeout.plus(timeoutPerMib.multipliedBy(size >> 20));
  }
}
