package io.headroom.milter;

import io.headroom.config.Check;
import io.headroom.config.Stage;
import io.headroom.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records protocol errors and session counts; ignores the rest. */
final class RecordingMetrics implements Metrics {
  final List<String> protocolErrors = new CopyOnWriteArrayList<>();
  int open;

  @Override public void deferred(Check check, Stage stage) {}
  @Override public void wouldDefer(Check check, Stage stage) {}
  @Override public void message(MessageAction action) {}
  @Override public void sessionOpened() { open++; }
  @Override public void sessionClosed() { open--; }
  @Override public void protocolError(String reason) { protocolErrors.add(reason); }
  @Override public void scanned(String scanner, String result, Duration took) {}
  @Override public void configReload(boolean success) {}
}
