package io.headroom.probe;

import java.io.IOException;

/** Counts Postfix's queued messages: the seam between QueueProbe and postqueue. */
@FunctionalInterface
interface QueueReader {
  /**
   * @return the counts, incomplete when the deadline cut the listing short
   * @throws IOException when the listing failed (postqueue missing, showq unreachable)
   */
  QueueCounts read() throws IOException, InterruptedException;
}
