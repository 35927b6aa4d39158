package io.headroom.config;

import java.util.Locale;

/**
 * The registry of checks the gate runs. Each entry declares, in one place, what the rest of the
 * daemon needs to know of a check: its name (the {@code CHECK_mode}/{@code CHECK_stage} prefix and
 * the {@code check} metric label), the noun a reply names it by, and the label its per-subject
 * gauges carry (the path, the table; empty for a host-wide check). Its probes are built from its
 * config section by {@code probe.ProbeFactory}, whose switch the compiler keeps complete.
 */
public enum Check {
  DISK("Mail spool disk", "path"),
  MEMORY("Memory", ""),
  CPU("CPU", ""),
  SPOOL("Mail spool", ""),
  DNS("DNS resolution", ""),
  SCAN("Content scanner", "");

  private final String noun;
  private final String subjectLabel;

  Check(String noun, String subjectLabel) {
    this.noun = noun;
    this.subjectLabel = subjectLabel;
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
}
