package io.headroom.probe;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Messages in each of Postfix's queues, as {@code postqueue -j} lists them.
 *
 * @param counts messages per queue, every queue present
 * @param complete false when the listing was cut off at its deadline: the counts are then lower
 *     bounds, good for "at least" but not for a gauge
 */
public record QueueCounts(Map<Queue, Long> counts, boolean complete) {

  /** The queues postqueue lists; the lower-case name is Postfix's own and the gauge's label. */
  public enum Queue {
    MAILDROP,
    INCOMING,
    ACTIVE,
    DEFERRED,
    HOLD;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public QueueCounts {
    EnumMap<Queue, Long> all = new EnumMap<>(Queue.class);
    for (Queue q : Queue.values()) {
      all.put(q, counts.getOrDefault(q, 0L));
    }
    counts = Map.copyOf(all);
  }

  public long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  public long count(Queue queue) {
    return counts.get(queue);
  }

  /** For the log: {@code maildrop 0, incoming 0, active 3, deferred 11997, hold 0}. */
  @Override
  public String toString() {
    String list =
        java.util.Arrays.stream(Queue.values())
            .map(q -> q.label() + " " + counts.get(q))
            .collect(Collectors.joining(", "));
    return complete ? list : list + " (cut off at the deadline)";
  }
}
