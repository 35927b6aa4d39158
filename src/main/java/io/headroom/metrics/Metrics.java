package io.headroom.metrics;

import io.headroom.config.Check;
import io.headroom.config.Stage;
import java.time.Duration;

/**
 * What the daemon reports, in its own words. The core calls this narrow interface; only
 * {@link MicrometerMetrics} knows Micrometer. Every label value is bounded: a check, a stage, a
 * scanner kind, a result word, never a sender or a queue id.
 */
public interface Metrics {

  /** {@code headroom_deferrals_total{check,stage}}: a transaction was answered 451 because of {@code check}. */
  void deferred(Check check, Stage stage);

  /** {@code headroom_monitor_deferrals_total{check,stage}}: a check in monitor mode would have deferred. */
  void wouldDefer(Check check, Stage stage);

  /** {@code headroom_messages_total{action}}: one transaction's outcome. */
  void message(MessageAction action);

  void sessionOpened();

  void sessionClosed();

  /** {@code headroom_milter_sessions_busy_total}: a session over max_sessions, answered busy. */
  void sessionRefused();

  /** {@code headroom_milter_protocol_errors_total{reason}}. */
  void protocolError(String reason);

  /**
   * {@code headroom_scans_total{scanner,result}} and {@code headroom_scan_duration_seconds{scanner,result}}.
   *
   * @param scanner {@code clamd} or {@code spamd}
   * @param result clean, infected, spam, timeout, unreachable, error, skipped
   */
  void scanned(String scanner, String result, Duration took);

  /** {@code headroom_config_reloads_total{result}}. */
  void configReload(boolean success);

  /** The outcome of one transaction, for {@code headroom_messages_total{action}}. */
  enum MessageAction {
    ACCEPTED,
    DEFERRED,
    REJECTED,
    QUARANTINED,
    BYPASSED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Records nothing: for the {@code status} command and for unit tests that do not look at metrics. */
  Metrics NONE =
      new Metrics() {
        @Override
        public void deferred(Check check, Stage stage) {}

        @Override
        public void wouldDefer(Check check, Stage stage) {}

        @Override
        public void message(MessageAction action) {}

        @Override
        public void sessionOpened() {}

        @Override
        public void sessionClosed() {}

        @Override
        public void sessionRefused() {}

        @Override
        public void protocolError(String reason) {}

        @Override
        public void scanned(String scanner, String result, Duration took) {}

        @Override
        public void configReload(boolean success) {}
      };
}
