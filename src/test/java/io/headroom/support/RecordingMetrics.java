package io.headroom.support;

import io.headroom.config.Check;
import io.headroom.config.ScannerEndpoint;
import io.headroom.config.Stage;
import io.headroom.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what the code under test reports, one line per call (durations left out, since they
 * vary): {@code deferred disk rcpt}, {@code message accepted}, {@code clamd=clean}.
 */
public final class RecordingMetrics implements Metrics {
  private final List<String> events = new CopyOnWriteArrayList<>();

  public List<String> events() {
    return events;
  }

  /** The reasons of {@link #protocolError} calls, in order. */
  public List<String> protocolErrors() {
    return events.stream()
        .filter(e -> e.startsWith("protocol error "))
        .map(e -> e.substring(15))
        .toList();
  }

  /** Sessions opened and not yet closed. */
  public long openSessions() {
    return events.stream().filter(e -> e.equals("session opened")).count()
        - events.stream().filter(e -> e.equals("session closed")).count();
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
  public void sessionRefused() {
    events.add("session refused");
  }

  @Override
  public void sessionDropped() {
    events.add("session dropped");
  }

  @Override
  public void protocolError(String reason) {
    events.add("protocol error " + reason);
  }

  @Override
  public void scanned(ScannerEndpoint.Kind scanner, String result, Duration took) {
    events.add(scanner.label() + "=" + result);
  }

  @Override
  public void configReload(boolean success) {
    events.add("reload " + (success ? "success" : "failure"));
  }
}
