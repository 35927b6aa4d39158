package io.headroom;

import io.headroom.config.Config;
import io.headroom.health.CheckState;
import io.headroom.health.HealthMonitor;
import io.headroom.health.HealthSnapshot;
import io.headroom.health.ProbeCalls;
import io.headroom.probe.LookupBackends;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code status}: every probe once, one line each: name, state, measured value, limit. */
final class StatusCommand {
  private StatusCommand() {}

  static int print(Config config, PrintStream out) {
    HealthSnapshot snap;
    LookupBackends backends = LookupBackends.find(config);
    try (HealthMonitor monitor =
        HealthMonitor.forConfig(config, backends, new ProbeCalls(), Clock.systemUTC(), List.of())) {
      snap = monitor.runOnce();
    }
    int width = snap.states().stream().mapToInt(s -> s.probe().length()).max().orElse(10);
    for (CheckState s : snap.states()) {
      String state = s.healthy() ? "ok" : "FAILING";
      String mode = s.mode().name().toLowerCase(Locale.ROOT);
      out.printf(
          Locale.ROOT,
          "%-" + width + "s  %-7s  %-22s  %s%s%n",
          s.probe(),
          state,
          s.latest().measured(),
          s.latest().limit(),
          mode.equals("enforce") ? "" : "  (" + mode + ")");
      if (!s.healthy()) {
        out.printf(Locale.ROOT, "%-" + width + "s  -> %s%n", "", s.latest().detail());
      }
    }
    backends.warnings().forEach(w -> out.println("lookup: WARNING: " + w));
    Map<String, String> postfix =
        PostfixCrossCheck.readPostconf(config.lookup().postfixConfigDirectory());
    if (postfix.isEmpty()) {
      out.println("postfix: postconf not found or failed; Postfix settings not checked");
    } else {
      List<String> warnings = PostfixCrossCheck.warnings(config, postfix);
      warnings.forEach(w -> out.println("postfix: WARNING: " + w));
      if (warnings.isEmpty()) {
        out.println(
            "postfix: smtpd_milters, milter_default_action and milter_content_timeout fit this daemon");
      }
    }
    return snap.allEnforcedHealthy() ? Main.EXIT_OK : Main.EXIT_FAILING;
  }
}
