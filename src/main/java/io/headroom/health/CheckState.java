package io.headroom.health;

import io.headroom.config.Check;
import io.headroom.config.Mode;
import io.headroom.config.Stage;
import io.headroom.probe.ProbeResult;
import java.time.Duration;
import java.time.Instant;

/**
 * The damped state of one probe: {@code healthy} changes only after enough consecutive results
 * agree.
 *
 * @param latest the newest raw result, which may disagree with {@code healthy} while damping
 * @param mode how a failure is acted on
 * @param stage the SMTP stage at which a failure is answered
 * @param took how long the newest probe run took
 * @param since when {@code healthy} last changed
 * @param cause the newest result that agrees with {@code healthy}: what a failing state answers
 *     with. While a recovery awaits recover_after's confirmation the newest result passes and has
 *     no reason to give, yet the state still defers.
 */
public record CheckState(
    ProbeResult latest,
    boolean healthy,
    Mode mode,
    Stage stage,
    Duration took,
    Instant since,
    ProbeResult cause) {

  /** A state whose newest result agrees with it. */
  public CheckState(
      ProbeResult latest, boolean healthy, Mode mode, Stage stage, Duration took, Instant since) {
    this(latest, healthy, mode, stage, took, since, latest);
  }

  public Check check() {
    return latest.check();
  }

  public String probe() {
    return latest.probe();
  }

  /** Failing in a mode that defers mail. */
  public boolean blocksMail() {
    return !healthy && mode == Mode.ENFORCE;
  }
}
