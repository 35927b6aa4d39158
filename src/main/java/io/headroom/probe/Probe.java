package io.headroom.probe;

import io.headroom.config.Check;

/**
 * Measures one dependency and compares it with its limit. A probe may block (disk, DNS, sockets):
 * the health monitor runs it off the message path, under its own deadline. It never talks to the milter.
 */
public interface Probe {

  /** The check this probe's failures are counted under (metric label, mode). */
  Check check();

  /** Stable, unique among the configured probes, e.g. {@code disk_space:/var/spool/postfix}. */
  String name();

  /** One measurement. An exception counts as a failing result; the monitor turns it into one. */
  ProbeResult run() throws Exception;
}
