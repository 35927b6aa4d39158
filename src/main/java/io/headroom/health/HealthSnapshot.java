package io.headroom.health;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Every probe's latest damped state at one moment. Immutable; the message path reads it through a
 * volatile reference and never waits for a probe.
 */
public record HealthSnapshot(Instant taken, List<CheckState> states) {

  public static final HealthSnapshot EMPTY = new HealthSnapshot(Instant.EPOCH, List.of());

  public HealthSnapshot {
    states = List.copyOf(states);
  }

  /** The first failing state that defers mail, in check order (disk before DNS before scanners). */
  public Optional<CheckState> firstBlocking() {
    return states.stream().filter(CheckState::blocksMail).min(HealthSnapshot::byCheck);
  }

  /** Every failing state, whatever its mode. */
  public List<CheckState> failing() {
    return states.stream().filter(s -> !s.healthy()).sorted(HealthSnapshot::byCheck).toList();
  }

  /** Failing states in monitor mode: what would have deferred. */
  public List<CheckState> monitored() {
    return failing().stream().filter(s -> s.mode() == Mode.MONITOR).toList();
  }

  public boolean allEnforcedHealthy() {
    return states.stream().noneMatch(CheckState::blocksMail);
  }

  public List<CheckState> of(Check check) {
    return states.stream().filter(s -> s.check() == check).toList();
  }

  private static int byCheck(CheckState a, CheckState b) {
    return a.check().compareTo(b.check());
  }
}
