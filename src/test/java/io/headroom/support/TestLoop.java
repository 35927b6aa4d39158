package io.headroom.support;

import io.headroom.transport.SessionLoop;

/**
 * One event loop for the tests that build a scan service or a server outside the daemon; its thread
 * is a daemon, so the test JVM exits without closing it.
 */
public final class TestLoop {
  public static final SessionLoop SHARED = SessionLoop.start();

  private TestLoop() {}
}
