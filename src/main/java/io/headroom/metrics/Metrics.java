package io.headroom.metrics;

import io.headroom.config.Check;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.Stage;
import java.time.Duration;
import java.util.Locale;

/**
 * What the daemon reports, in its own words. The core calls this narrow interface; only {@link
 * MicrometerMetrics} knows Micrometer. Every label value is bounded: a check, a stage, a scanner
 * kind, a result word, never a sender or a queue id. Every method does nothing by default, so a
 * caller that reports nothing ({@link #NONE}) or a test that records one event stays short.
 */
public interface Metrics {

  /** Records nothing: for the {@code status} command and for tests that do not look at metrics. */
  Metrics NONE = new Metrics() {};

  /**
   * {@code headroom_deferrals_total{check,stage}}: a transaction was answered 451 because of {@code
   * check}.
   */
  default void deferred(Check check, Stage stage) {}

  /**
   * {@code headroom_monitor_deferrals_total{check,stage}}: a check in monitor mode would have
   * deferred.
   */
  default void wouldDefer(Check check, Stage stage) {}

  /** {@code headroom_messages_total{action}}: one transaction's outcome. */
  default void message(MessageAction action) {}

  /** {@code headroom_milter_sessions_active}. */
  default void sessionOpened() {}

  default void sessionClosed() {}

  /** {@code headroom_milter_sessions_busy_total}: a session over max_sessions, answered busy. */
  default void sessionRefused() {}

  /**
   * {@code headroom_milter_sessions_dropped_total}: a connection over the busy cap, closed
   * unanswered.
   */
  default void sessionDropped() {}

  /**
   * {@code headroom_milter_protocol_errors_total{reason}}; {@code reason} is one of a fixed set.
   */
  default void protocolError(String reason) {}

  /**
   * {@code headroom_scans_total{scanner,result}} and {@code
   * headroom_scan_duration_seconds{scanner,result}}.
   *
   * @param result one of the scan results' fixed words (clean, infected, spam, timeout, ...)
   */
  default void scanned(ScannerEndpoint.Kind scanner, String result, Duration took) {}

  /** {@code headroom_config_reloads_total{result}}. */
  default void configReload(boolean success) {}

  /** The outcome of one transaction, for {@code headroom_messages_total{action}}. */
  enum MessageAction {
    ACCEPTED,
    DEFERRED,
    REJECTED,
    QUARANTINED,
    BYPASSED;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
