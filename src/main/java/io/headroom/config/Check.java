package io.headroom.config;

import java.util.Locale;
import java.util.Optional;

/** The dependencies the gate watches; the lower-case name is the metric label and the config prefix. */
public enum Check {
  DISK,
  MEMORY,
  CPU,
  SPOOL,
  DNS,
  SCAN;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The stage this check answers at when its {@code CHECK_stage} is not set; empty means
   * {@code defer_stage}. A check that must preempt Postfix's own table lookups answers at
   * {@code mail} (they run at RCPT, before a milter's RCPT reply is used).
   */
  public Optional<Stage> defaultStage() {
    return Optional.empty();
  }
}
