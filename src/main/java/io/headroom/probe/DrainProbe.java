package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.reply.Reason;
import java.io.IOException;
import java.util.Optional;

/**
 * Fails while the admin has drained the server ({@code headroom-milter drain}), with the admin's
 * reason as the reply's reason: {@code 451 4.3.0 <reason>, try again later}. Reading the state file
 * costs one stat and one small read per health round.
 */
public final class DrainProbe implements Probe {
  private final DrainState state;

  public DrainProbe(DrainState state) {
    this.state = state;
  }

  @Override
  public Check check() {
    return Check.DRAIN;
  }

  @Override
  public String name() {
    return "drain";
  }

  @Override
  public Measure measure() {
    return Measure.DRAIN_ACTIVE;
  }

  /**
   * The admin's file is the decision: a drain takes effect at the next round, and so does its end.
   */
  @Override
  public boolean confirmsItself() {
    return true;
  }

  /**
   * An unreadable state directory throws, and the monitor counts that as failing: never accept
   * unchecked.
   */
  @Override
  public ProbeResult run() throws IOException {
    Optional<DrainState.Drain> drain = state.read();
    if (drain.isEmpty()) {
      return ProbeResult.pass(this, 0, "not drained", "", state.file() + " absent");
    }
    String measured = "drained since " + drain.get().since();
    String reason = drain.get().reason();
    // The admin's words are the whole reason, without a noun in front.
    return new ProbeResult(
        check(),
        name(),
        measure(),
        subject(),
        false,
        1,
        measured,
        "",
        Optional.of(Reason.verbatim(reason)),
        state.file() + ": " + measured + ": " + reason);
  }
}
