package io.headroom;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Mode;
import io.headroom.config.Units;
import io.headroom.probe.DrainState;
import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code drain} and {@code undrain}: write or remove the drain file the daemon reads each probe
 * round. Nothing is sent to the daemon: it needs no port, works under the unit's sandbox, and the
 * drain outlives a restart.
 */
final class DrainCommand {
  private DrainCommand() {}

  static int run(boolean drain, String reason, Config config, PrintStream out, PrintStream err) {
    DrainState state = new DrainState(config.drain().file());
    if (config.mode(Check.DRAIN) == Mode.OFF) {
      err.println(
          "warning: drain_mode = off in "
              + config.describeSource()
              + ": the daemon ignores the drain file");
    }
    String within = "within probe_interval (" + Units.formatDuration(config.probeInterval()) + ")";
    try {
      if (drain) {
        DrainState.Drain d = state.drain(reason);
        out.println(
            "drained: new transactions get \"451 4.3.0 "
                + d.reason()
                + ", try again later\" "
                + within
                + "; sessions in flight finish ("
                + state.file()
                + ")");
      } else if (state.undrain()) {
        out.println("undrained: the daemon accepts mail again " + within);
      } else {
        out.println("not drained (" + state.file() + " absent)");
      }
      return Main.EXIT_OK;
    } catch (IllegalArgumentException e) {
      err.println("drain: " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      err.println(
          (drain ? "drain" : "undrain")
              + ": cannot write "
              + state.file()
              + ": "
              + e
              + " (run it as root or as the service user headroom-milter)");
      return Main.EXIT_FAILING;
    }
  }
}
