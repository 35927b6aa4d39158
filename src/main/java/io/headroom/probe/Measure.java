package io.headroom.probe;

/**
 * What a probe's number is, so metrics can export it as a gauge without parsing probe names. The
 * gauge's label value is the probe's {@link Probe#subject()}.
 */
public enum Measure {
  /** The number is only for {@code status} and logs. */
  NONE,
  DISK_FREE_RATIO,
  DISK_FREE_INODES_RATIO,
  MEMORY_AVAILABLE_RATIO,
  CPU_LOAD_PER_CORE,
  /**
   * Whether the table's state is healthy, after damping, as {@code headroom_check_up} is: not a
   * number of the probe's.
   */
  LOOKUP_TABLE_UP,
  /** Whether the policy service's state is healthy, after damping. */
  POLICY_SERVICE_UP,
  /** Messages in one of Postfix's queues; the subject is the queue. */
  QUEUE_MESSAGES,
  /** 1 while the admin has drained the server, 0 otherwise. */
  DRAIN_ACTIVE;

  /**
   * True for a gauge of the subject's damped state (1 healthy, 0 failing) rather than its measured
   * value.
   */
  public boolean isState() {
    return this == LOOKUP_TABLE_UP || this == POLICY_SERVICE_UP;
  }
}
