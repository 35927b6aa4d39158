package io.headroom.scan;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The socket one scanner conversation is using, closable from any thread. Scanner I/O is blocking
 * (on the scan executor); closing the channel is what makes a blocked connect, write or read return
 * at once (AsynchronousCloseException), which is how the per-message deadline cuts off a scanner
 * that stopped reading, even with the TCP send buffer full.
 */
final class Link implements AutoCloseable {

  private final CountDownLatch closed = new CountDownLatch(1);
  private SocketChannel channel; // guarded by this
  private volatile String connectFailures = "";

  /**
   * Makes {@code ch} the channel that {@link #close()} closes; closes it at once if already closed.
   */
  synchronized void attach(SocketChannel ch) throws ClosedChannelException {
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
  synchronized boolean release(SocketChannel ch) {
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

  private static void closeQuietly(SocketChannel ch) {
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
