package io.headroom.scan;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The connection one scanner conversation is using, closable from any thread: closing it is how the
 * per-message deadline cuts off a scanner that stopped reading, even with the TCP send buffer full.
 * A blocking channel (spamd, and any connect) then returns from its connect, write or read at once
 * (AsynchronousCloseException); a clamd session on the event loop fails its pending write or
 * answer.
 */
final class Link implements AutoCloseable {

  private final CountDownLatch closed = new CountDownLatch(1);
  private Closeable channel; // guarded by this
  private volatile String connectFailures = "";

  /**
   * Makes {@code ch} the channel that {@link #close()} closes; closes it at once if already closed.
   */
  synchronized void attach(Closeable ch) throws ClosedChannelException {
    if (isClosed()) {
      closeQuietly(ch);
      throw new ClosedChannelException();
    }
    closeQuietly(channel);
    channel = ch;
  }

  /** Closes the current channel but keeps the link usable for another attempt. */
  synchronized void detach() {
    closeQuietly(channel);
    channel = null;
  }

  /**
   * Lets go of {@code ch} without closing it, so it can serve another message; false when the link
   * was closed first (then {@code ch} is closed, or about to be, and must not be used again).
   */
  synchronized boolean release(Closeable ch) {
    if (isClosed() || channel != ch) {
      return false;
    }
    channel = null;
    return true;
  }

  /** Why the backends refused so far, for the log when the deadline passes while connecting. */
  String connectFailures() {
    return connectFailures;
  }

  void connectFailures(String failures) {
    connectFailures = failures;
  }

  boolean isClosed() {
    return closed.getCount() == 0;
  }

  /** Waits {@code millis} unless the link is closed first; returns whether it is still open. */
  boolean pause(long millis) {
    try {
      return !closed.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    closed.countDown();
    detach();
  }

  private static void closeQuietly(Closeable ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // Closing to abandon the conversation: nothing left to report.
    }
  }
}
