package io.headroom.scan;

import io.headroom.config.Check;
import io.headroom.config.Stage;
import io.headroom.metrics.Metrics;
import java.time.Duration;
import java.util.function.BiConsumer;

/** Passes scan results to a test; everything else is ignored. */
final class RecordingMetrics implements Metrics {

  private final BiConsumer<String, String> scans;

  RecordingMetrics(BiConsumer<String, String> scans) {
    this.scans = scans;
  }

  @Override
  public void scanned(String scanner, String result, Duration took) {
    scans.accept(scanner, result);
  }

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
  public void protocolError(String reason) {}

  @Override
  public void configReload(boolean success) {}
}
