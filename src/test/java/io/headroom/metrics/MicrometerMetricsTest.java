package io.headroom.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.Stage;
import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import io.headroom.probe.Measure;
import io.headroom.probe.ProbeResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {
  private final MicrometerMetrics metrics =
      new MicrometerMetrics(
          () -> HealthSnapshot.EMPTY,
          new MicrometerMetrics.Labels(
              "9.9-test", List.of("packet_too_long", "idle_timeout"), List.of("clean", "timeout")));

  /** Meters that read their gauges from {@code health}, as the daemon's read its live snapshot. */
  private static MicrometerMetrics reading(Supplier<HealthSnapshot> health) {
    return new MicrometerMetrics(
        health,
        new MicrometerMetrics.Labels("9.9-test", List.of("idle_timeout"), List.of("clean")));
  }

  private void assertLine(String line, String scrape) {
    assertTrue(scrape.lines().anyMatch(line::equals), "no line \"" + line + "\" in:\n" + scrape);
  }

  /** An alert on rate() needs a series before the first event: every counter starts at 0. */
  @Test
  void everyCounterIsExportedAtZeroFromTheFirstScrape() {
    String scrape = metrics.scrape();
    assertLine("headroom_deferrals_total{check=\"disk\",stage=\"rcpt\"} 0.0", scrape);
    assertLine("headroom_deferrals_total{check=\"scan\",stage=\"data\"} 0.0", scrape);
    assertLine("headroom_monitor_deferrals_total{check=\"dns\",stage=\"mail\"} 0.0", scrape);
    assertLine("headroom_messages_total{action=\"quarantined\"} 0.0", scrape);
    assertLine("headroom_milter_sessions_busy_total 0.0", scrape);
    assertLine("headroom_milter_sessions_dropped_total 0.0", scrape);
    assertLine("headroom_milter_protocol_errors_total{reason=\"idle_timeout\"} 0.0", scrape);
    assertLine("headroom_scans_total{result=\"timeout\",scanner=\"spamd\"} 0.0", scrape);
    assertLine("headroom_config_reloads_total{result=\"failure\"} 0.0", scrape);
  }

  @Test
  void theBuildInfoGaugeCarriesTheVersion() {
    assertLine("headroom_build_info{version=\"9.9-test\"} 1", metrics.scrape());
  }

  @Test
  void eventsCountUnderTheirLabels() {
    metrics.deferred(Check.DISK, Stage.MAIL);
    metrics.deferred(Check.DISK, Stage.MAIL);
    metrics.scanned(ScannerEndpoint.Kind.CLAMD, "clean", Duration.ofMillis(12));
    metrics.configReload(false);
    String scrape = metrics.scrape();
    assertLine("headroom_deferrals_total{check=\"disk\",stage=\"mail\"} 2.0", scrape);
    assertLine("headroom_scans_total{result=\"clean\",scanner=\"clamd\"} 1.0", scrape);
    assertLine(
        "headroom_scan_duration_seconds_count{result=\"clean\",scanner=\"clamd\"} 1", scrape);
    assertLine("headroom_config_reloads_total{result=\"failure\"} 1.0", scrape);
  }

  /**
   * A lookup table's gauge is labelled with the table and follows its damped state, as check_up
   * does.
   */
  @Test
  void eachLookupTableHasAnUpGaugeOfItsState() {
    String table = "ldap:/etc/postfix/ldap-users.cf";
    ProbeResult failing =
        new ProbeResult(
            Check.LOOKUP,
            "lookup:" + table,
            Measure.LOOKUP_TABLE_UP,
            table,
            false,
            Double.NaN,
            "lookup error",
            "answer within 5s",
            Optional.empty(),
            "Can't contact LDAP server");
    AtomicReference<HealthSnapshot> health = new AtomicReference<>(snapshot(failing, true));
    MicrometerMetrics m = reading(health::get);

    m.gaugesOf(health.get());
    assertLine("headroom_lookup_table_up{table=\"" + table + "\"} 1.0", m.scrape());
    health.set(snapshot(failing, false));
    assertLine("headroom_lookup_table_up{table=\"" + table + "\"} 0.0", m.scrape());
  }

  private static HealthSnapshot snapshot(ProbeResult latest, boolean healthy) {
    return new HealthSnapshot(
        Instant.now(),
        List.of(
            new CheckState(
                latest, healthy, Mode.ENFORCE, Stage.MAIL, Duration.ofMillis(20), Instant.EPOCH)));
  }

  /** The queue levels and the drain, read from the snapshot as the monitor publishes it. */
  @Test
  void queueLevelsAndTheDrainAreGaugesOfTheSnapshot() {
    HealthSnapshot snapshot =
        new HealthSnapshot(
            Instant.EPOCH,
            List.of(
                state(Check.DRAIN, "drain", Measure.DRAIN_ACTIVE, "", 1),
                state(Check.QUEUE, "queue:deferred", Measure.QUEUE_MESSAGES, "deferred", 11997),
                state(Check.QUEUE, "queue:hold", Measure.QUEUE_MESSAGES, "hold", 0)));
    MicrometerMetrics m = reading(() -> snapshot);

    m.gaugesOf(snapshot);

    String scrape = m.scrape();
    assertLine("headroom_drain_active 1.0", scrape);
    assertLine("headroom_queue_messages{queue=\"deferred\"} 11997.0", scrape);
    assertLine("headroom_queue_messages{queue=\"hold\"} 0.0", scrape);
    assertLine("headroom_deferrals_total{check=\"dns_recursion\",stage=\"rcpt\"} 0.0", scrape);
  }

  /**
   * Micrometer holds a gauge's state object weakly: the host-wide gauges (memory, CPU, drain) must
   * still read the snapshot after a garbage collection, not NaN for the rest of the daemon's life.
   */
  @Test
  void theHostGaugesStillReadTheSnapshotAfterAGarbageCollection() {
    HealthSnapshot snapshot =
        new HealthSnapshot(
            Instant.EPOCH,
            List.of(
                state(Check.DRAIN, "drain", Measure.DRAIN_ACTIVE, "", 1),
                state(Check.MEMORY, "memory", Measure.MEMORY_AVAILABLE_RATIO, "", 0.25)));
    MicrometerMetrics m = reading(() -> snapshot);
    m.gaugesOf(snapshot);

    collectGarbage();

    String scrape = m.scrape();
    assertLine("headroom_drain_active 1.0", scrape);
    assertLine("headroom_memory_available_ratio 0.25", scrape);
  }

  /** Returns once a collection has cleared a weakly held object. */
  private static void collectGarbage() {
    java.lang.ref.WeakReference<Object> probe = new java.lang.ref.WeakReference<>(new Object());
    for (int i = 0; i < 50 && probe.get() != null; i++) {
      System.gc();
    }
    assertTrue(probe.get() == null, "no garbage collection happened");
  }

  /**
   * A reload that drops a lookup table drops its series; the table that stays keeps its own, and
   * the counters, labelled by check and never by table, keep counting.
   */
  @Test
  void aSubjectTheRunningConfigurationNoLongerProbesLosesItsGauge() {
    CheckState kept =
        state(Check.LOOKUP, "lookup:ldap:kept", Measure.LOOKUP_TABLE_UP, "ldap:kept", 1);
    CheckState dropped =
        state(Check.LOOKUP, "lookup:ldap:dropped", Measure.LOOKUP_TABLE_UP, "ldap:dropped", 1);
    AtomicReference<HealthSnapshot> health =
        new AtomicReference<>(new HealthSnapshot(Instant.EPOCH, List.of(kept, dropped)));
    MicrometerMetrics m = reading(health::get);
    m.gaugesOf(health.get());
    m.deferred(Check.LOOKUP, Stage.RCPT);
    assertLine("headroom_lookup_table_up{table=\"ldap:dropped\"} 1.0", m.scrape());

    health.set(new HealthSnapshot(Instant.EPOCH, List.of(kept)));
    m.gaugesOf(health.get());

    String scrape = m.scrape();
    assertFalse(scrape.contains("ldap:dropped"), scrape);
    assertLine("headroom_lookup_table_up{table=\"ldap:kept\"} 1.0", scrape);
    assertLine("headroom_deferrals_total{check=\"lookup\",stage=\"rcpt\"} 1.0", scrape);
  }

  private static CheckState state(
      Check check, String probe, Measure measure, String subject, double value) {
    ProbeResult r =
        new ProbeResult(check, probe, measure, subject, true, value, "", "", Optional.empty(), "");
    return new CheckState(r, true, Mode.ENFORCE, Stage.RCPT, Duration.ZERO, Instant.EPOCH);
  }
}
