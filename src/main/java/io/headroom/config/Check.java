package io.headroom.config;

import java.util.Locale;

/** The dependencies the gate watches; the lower-case name is the metric label and the config prefix. */
public enum Check {
  DISK,
  MEMORY,
  CPU,
  SPOOL,
  DNS,
  SCAN,
  LOOKUP,
  POLICY;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
