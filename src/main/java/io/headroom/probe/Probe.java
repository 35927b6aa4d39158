package io.headroom.probe;

import io.headroom.config.Check;
import java.time.Duration;
import java.util.Optional;

/**
 * Measures one dependency and compares it with its limit. A probe may block (disk, DNS, sockets):
 * the health monitor runs it off the message path, under its own deadline. It never talks to the
 * milter.
 */
public interface Probe {

  /** The check this probe's failures are counted under (metric label, mode, stage, reply noun). */
  Check check();

  /** Stable, unique among the configured probes, e.g. {@code disk_space:/var/spool/postfix}. */
  String name();

  /** What {@link ProbeResult#value()} measures, for its gauge. */
  default Measure measure() {
    return Measure.NONE;
  }

  /** What is measured, e.g. the path: the gauge's label value; empty for a host-wide check. */
  default String subject() {
    return "";
  }

  /** The dependency as a reply names it: the check's noun, unless this probe's is more precise. */
  default String noun() {
    return check().noun();
  }

  /**
   * The deadline this probe enforces itself (a child process killed, a socket given up), so it
   * returns by then plus a moment; empty when it relies on the monitor's {@code probe_timeout}. The
   * monitor waits for a longer one, so the result names what failed ("no answer within 5s") instead
   * of a check that did not finish.
   */
  default Optional<Duration> ownDeadline() {
    return Optional.empty();
  }

  /**
   * True when one result is already confirmed, so the monitor acts on it at once instead of after
   * {@code fail_after}/{@code recover_after} results: a drain the admin wrote, a DNS question asked
   * twice within one run.
   */
  default boolean confirmsItself() {
    return false;
  }

  /**
   * True when this probe only measures, for its gauge, and never fails (the queue counted without
   * {@code queue_max_messages}): no answer depends on it, so the round before the milter answers
   * does not wait for it.
   */
  default boolean countsOnly() {
    return false;
  }

  /** One measurement. An exception counts as a failing result; the monitor turns it into one. */
  ProbeResult run() throws Exception;
}
