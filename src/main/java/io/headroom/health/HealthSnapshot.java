package io.headroom.health;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every probe's latest damped state at one moment. Immutable; the message path reads it through a
 * volatile reference and never waits for a probe. What the message path asks (is anything failing,
 * what blocks mail) is worked out once here, not once per SMTP command.
 */
public final class HealthSnapshot {

  public static final HealthSnapshot EMPTY = new HealthSnapshot(Instant.EPOCH, List.of());

  private final Instant taken;
  private final List<CheckState> states;
  private final List<CheckState> failing;
  private final Optional<CheckState> firstBlocking;

  public HealthSnapshot(Instant taken, List<CheckState> states) {
    this.taken = taken;
    this.states = List.copyOf(states);
    // In check order: disk before DNS before scanners, so a reply names the most basic failure.
    this.failing = this.states.stream().filter(s -> !s.healthy())
        .sorted(Comparator.comparing(CheckState::check)).toList();
    this.firstBlocking = failing.stream().filter(CheckState::blocksMail).findFirst();
  }

  public Instant taken() {
    return taken;
  }

  public List<CheckState> states() {
    return states;
  }

  /** The first failing state that defers mail, in check order. */
  public Optional<CheckState> firstBlocking() {
    return firstBlocking;
  }

  /** Every failing state, whatever its mode, in check order. */
  public List<CheckState> failing() {
    return failing;
  }

  /** Failing states in monitor mode: what would have deferred. */
  public List<CheckState> monitored() {
    return failing.stream().filter(s -> s.mode() == Mode.MONITOR).toList();
  }

  public boolean allEnforcedHealthy() {
    return firstBlocking.isEmpty();
  }

  public List<CheckState> of(Check check) {
    return states.stream().filter(s -> s.check() == check).toList();
  }
}
