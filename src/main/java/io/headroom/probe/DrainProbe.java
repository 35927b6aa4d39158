package io.headroom.probe;

import io.headroom.config.Check;
import java.io.IOException;
import java.util.Optional;

/**
 * Fails while the admin has drained the server ({@code headroom-milter drain}), with the admin's
 * reason as the reply's reason: {@code 451 4.3.0 <reason>, try again later}. Reading the state
 * file costs one stat and one small read per health round.
 */
public final class DrainProbe implements Probe {
  private final Check check;
  private final DrainState state;

  public DrainProbe(Check check, DrainState state) {
    this.check = check;
    this.state = state;
  }

  @Override
  public Check check() {
    return check;
  }

  @Override
  public String name() {
    return "drain";
  }

  /** An unreadable state directory throws, and the monitor counts that as failing: never accept unchecked. */
  @Override
  public ProbeResult run() throws IOException {
    Optional<DrainState.Drain> drain = state.read();
    if (drain.isEmpty()) {
      return ProbeResult.pass(this, 0, "not drained", "", state.file() + " absent");
    }
    String measured = "drained since " + drain.get().since();
    return ProbeResult.fail(
        this, 1, measured, "", drain.get().reason(), state.file() + ": " + measured + ": " + drain.get().reason());
  }
}
