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
 */
public record CheckState(
    ProbeResult latest, boolean healthy, Mode mode, Stage stage, Duration took, Instant since) {

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
