package io.headroom.config;

/** How a check's failure is acted on. */
public enum Mode {
  /** A failure defers mail. */
  ENFORCE,
  /** A failure is logged and counted as a would-be deferral; mail still flows. */
  MONITOR,
  /** The check does not run. */
  OFF
}
