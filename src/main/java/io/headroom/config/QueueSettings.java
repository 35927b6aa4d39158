package io.headroom.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The {@code queue} check: Postfix's queued messages, counted with {@code postqueue -j}.
 *
 * @param maxMessages the backlog above which mail is deferred; empty counts only (for the gauge)
 * @param interval the least time between two counts (each costs showq a read of the whole queue)
 * @param timeout the deadline of one count; below {@code probe_timeout}, which would otherwise cut
 *     the probe off first and count it as failing (unset: 4s, or 80% of a shorter probe_timeout)
 * @param postfixConfig Postfix's config directory ({@code postqueue -c}); empty for the default
 */
public record QueueSettings(
    OptionalLong maxMessages, Duration interval, Duration timeout, Optional<Path> postfixConfig) {
  private static final long MAX_LIMIT = 1_000_000_000L;

  static QueueSettings load(Settings s, HealthSchedule schedule) {
    OptionalLong max = s.value("queue_max_messages", "off", QueueSettings::limit);
    Duration interval = s.value("queue_interval", "30s", Values.positiveDuration("1h"));
    Duration timeout = schedule.belowProbeTimeout(s, "queue_timeout", "4s", "5m", "the count");
    Optional<Path> config =
        s.value(
            "queue_postfix_config",
            "",
            v -> v.isEmpty() ? Optional.<Path>empty() : Optional.of(Values.existingDirectory(v)));
    return new QueueSettings(max, interval, timeout, config);
  }

  private static OptionalLong limit(String text) {
    if (text.equals("off")) {
      return OptionalLong.empty();
    }
    if (!text.matches("[0-9]{1,10}") || Long.parseLong(text) > MAX_LIMIT) {
      throw new IllegalArgumentException(
          '"' + text + "\" is not off or a number of messages from 0 to " + MAX_LIMIT);
    }
    return OptionalLong.of(Long.parseLong(text));
  }
}
