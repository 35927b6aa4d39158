package io.headroom.metrics;

import io.netty.channel.Channel;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The connections that have not yet sent a complete request, oldest first, at most {@code limit}:
 * one more closes the oldest. A scraper sends its request at once, so it is never the oldest for
 * long. Used from the endpoint's single event-loop thread only.
 */
final class WaitingConnections {
  private final int limit;
  private final Set<Channel> channels = new LinkedHashSet<>();

  WaitingConnections(int limit) {
    this.limit = limit;
  }

  void add(Channel channel) {
    channels.remove(channel);
    if (channels.size() >= limit) {
      Iterator<Channel> oldest = channels.iterator();
      Channel evicted = oldest.next();
      oldest.remove();
      evicted.close();
    }
    channels.add(channel);
  }

  void remove(Channel channel) {
    channels.remove(channel);
  }
}
