package io.headroom.config;

/** How a policy service is probed. */
public enum PolicyProbeMode {
  /** A connection is accepted: cheap, leaves no state, but a hung server still accepts. */
  CONNECT,
  /**
   * One complete policy-delegation request with a canary, answered by an {@code action=} line:
   * proves the service works, but greylisting or rate-limit services may record the canary.
   */
  REQUEST
}
