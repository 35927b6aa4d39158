package io.headroom.support;

import io.headroom.config.Check;
import io.headroom.config.Stage;
import io.headroom.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what the code under test reports, one line per call (durations left out, since they vary):
 * {@code deferred disk rcpt}, {@code message accepted}, {@code clamd=clean}.
 */
public final class RecordingMetrics implements Metrics {
  private final List<String> events = new CopyOnWriteArrayList<>();

  public List<String> events() {
    return events;
  }

  @Override
  public void deferred(Check check, Stage stage) {
    events.add("deferred " + check.label() + " " + stage.label());
  }

  @Override
  public void wouldDefer(Check check, Stage stage) {
    events.add("would " + check.label() + " " + stage.label());
  }

  @Override
  public void message(MessageAction action) {
    events.add("message " + action.label());
  }

  @Override
  public void sessionOpened() {
    events.add("session opened");
  }

  @Override
  public void sessionClosed() {
    events.add("session closed");
  }

  @Override
  public void protocolError(String reason) {
    events.add("protocol error " + reason);
  }

  @Override
  public void scanned(String scanner, String result, Duration took) {
    events.add(scanner + "=" + result);
  }

  @Override
  public void configReload(boolean success) {
    events.add("reload " + (success ? "success" : "failure"));
  }
}
