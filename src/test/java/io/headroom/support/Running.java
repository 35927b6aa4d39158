package io.headroom.support;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The servers a test started, stopped in reverse order of start (Postfix before the daemon before
 * DNS). Registered as a field with {@code @RegisterExtension}, it stops them after each test.
 */
public final class Running implements AutoCloseable, AfterEachCallback {
  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  /** Remembers {@code server} for {@link #close()}; returns it. */
  public <T extends AutoCloseable> T keep(T server) {
    started.push(server);
    return server;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    close();
  }

  /**
   * Stops everything, even when one stop fails; the first failure is thrown with the others
   * attached.
   */
  @Override
  public void close() throws Exception {
    Exception first = null;
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
