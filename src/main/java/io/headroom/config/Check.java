package io.headroom.config;

import java.util.Locale;
import java.util.Optional;

/**
 * The registry of checks the gate runs. Each entry declares, in one place, what the rest of the
 * daemon needs to know of a check: its name (the {@code CHECK_mode}/{@code CHECK_stage} prefix and
 * the {@code check} metric label), the noun a reply names it by, the label its per-subject gauges
 * carry (the path, the table; empty for a host-wide check) and its default stage. Its probes are
 * built from its config section by {@code probe.ProbeFactory}, whose switch the compiler keeps
 * complete.
 */
public enum Check {
  /** First, so a drain's reply is the admin's reason whatever else fails. */
  DRAIN("Maintenance drain", "", null),
  DISK("Mail spool disk", "path", null),
  MEMORY("Memory", "", null),
  CPU("CPU", "", null),
  SPOOL("Mail spool", "", null),
  QUEUE("Mail queue", "queue", null),
  DNS("DNS resolution", "", null),
  DNS_RECURSION("DNS recursion", "", null),
  SCAN("Content scanner", "", null),
  LOOKUP("Lookup table", "table", Stage.MAIL),
  POLICY("Policy service", "service", Stage.MAIL);

  private final String noun;
  private final String subjectLabel;
  private final Stage defaultStage;

  Check(String noun, String subjectLabel, Stage defaultStage) {
    this.noun = noun;
    this.subjectLabel = subjectLabel;
    this.defaultStage = defaultStage;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The dependency as a reply names it: {@code Mail spool disk nearly full (...)}. */
  public String noun() {
    return noun;
  }

  /** The label of the check's per-subject gauges, e.g. {@code path}; empty when it has none. */
  public String subjectLabel() {
    return subjectLabel;
  }

  /**
   * The stage this check answers at when its {@code CHECK_stage} is not set; empty means {@code
   * defer_stage}. A check that must preempt Postfix's own table lookups answers at {@code mail}
   * (they run at RCPT, before a milter's RCPT reply is used).
   */
  public Optional<Stage> defaultStage() {
    return Optional.ofNullable(defaultStage);
  }
}
