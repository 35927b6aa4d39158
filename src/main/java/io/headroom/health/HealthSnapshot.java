package io.headroom.health;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.probe.ProbeResult;
import io.headroom.reply.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every probe's latest damped state at one moment. Immutable; the message path reads it through a
 * volatile reference and never waits for a probe. What the message path asks (is anything failing,
 * what blocks mail at this stage) is worked out once here, not once per SMTP command.
 */
public final class HealthSnapshot {

  public static final HealthSnapshot EMPTY = new HealthSnapshot(Instant.EPOCH, List.of());

  private final Instant taken;
  private final List<CheckState> states;
  private final List<CheckState> failing;
  private final Map<Stage, CheckState> firstBlocking = new EnumMap<>(Stage.class);

  public HealthSnapshot(Instant taken, List<CheckState> states) {
    this.taken = taken;
    this.states = List.copyOf(states);
    // In check order: disk before DNS before scanners, so a reply names the most basic failure.
    this.failing =
        this.states.stream()
            .filter(s -> !s.healthy())
            .sorted(Comparator.comparing(CheckState::check))
            .toList();
    for (CheckState s : failing) {
      if (s.blocksMail()) {
        firstBlocking.putIfAbsent(s.stage(), s);
      }
    }
  }

  public Instant taken() {
    return taken;
  }

  public List<CheckState> states() {
    return states;
  }

  /** The first failing state that defers mail at {@code stage}, in check order. */
  public Optional<CheckState> firstBlockingAt(Stage stage) {
    return Optional.ofNullable(firstBlocking.get(stage));
  }

  /** Every failing state, whatever its mode, in check order. */
  public List<CheckState> failing() {
    return failing;
  }

  /** Failing states in monitor mode at {@code stage}: what would have deferred there. */
  public List<CheckState> monitoredAt(Stage stage) {
    return failing.stream().filter(s -> s.mode() == Mode.MONITOR && s.stage() == stage).toList();
  }

  /** Failing states that defer mail, at any stage. */
  public List<CheckState> blocking() {
    return failing.stream().filter(CheckState::blocksMail).toList();
  }

  public boolean allEnforcedHealthy() {
    return firstBlocking.isEmpty();
  }

  public List<CheckState> of(Check check) {
    return states.stream().filter(s -> s.check() == check).toList();
  }

  /**
   * This snapshot as seen {@code age} after it was taken by a schedule that should have replaced it
   * long ago: every check counts as failing, because an old "healthy" proves nothing about now.
   */
  HealthSnapshot stalled(Duration age, Instant now) {
    String silent = "no result for " + io.headroom.config.Units.formatDuration(age.withNanos(0));
    return allFailing(
        Reason.of("Health checks", "stalled", silent),
        "health checks stalled: the last round finished " + age.toMillis() + "ms ago",
        now);
  }

  /** This snapshot with every check failing for {@code reason}, each in its own mode and stage. */
  public HealthSnapshot allFailing(Reason reason, String detail, Instant now) {
    List<CheckState> failed =
        states.stream()
            .map(
                s -> {
                  ProbeResult r = s.latest();
                  ProbeResult result =
                      new ProbeResult(
                          r.check(),
                          r.probe(),
                          r.measure(),
                          r.subject(),
                          false,
                          Double.NaN,
                          reason.condition(),
                          r.limit(),
                          Optional.of(reason),
                          detail);
                  return new CheckState(
                      result, false, s.mode(), s.stage(), s.took(), s.healthy() ? now : s.since());
                })
            .toList();
    return new HealthSnapshot(taken, failed);
  }

  /**
   * This snapshot as a configuration with other modes and stages acts on it; the checks it turns
   * off are left out. Sessions that began before a reload answer at the stages they negotiated.
   */
  public HealthSnapshot restaged(Function<Check, Mode> modes, Function<Check, Stage> stages) {
    List<CheckState> restaged =
        states.stream()
            .filter(s -> modes.apply(s.check()) != Mode.OFF)
            .map(
                s ->
                    new CheckState(
                        s.latest(),
                        s.healthy(),
                        modes.apply(s.check()),
                        stages.apply(s.check()),
                        s.took(),
                        s.since(),
                        s.cause()))
            .toList();
    return new HealthSnapshot(taken, restaged);
  }
}
