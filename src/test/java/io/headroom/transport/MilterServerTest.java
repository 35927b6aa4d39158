package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.headroom.config.Config;
import io.headroom.metrics.Metrics;
import io.headroom.support.ConfigFiles;
import io.headroom.support.TestLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MilterServerTest {
  @TempDir Path dir;

  /**
   * The daemon's one "cannot start" line names the milter socket it could not bind, as it names the
   * metrics one: the admin learns which setting to change.
   */
  @Test
  void anAddressInUseIsNamedInTheError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Config config = ConfigFiles.parse(dir, "listen = inet:127.0.0.1:" + taken.getLocalPort());
      IOException refused =
          assertThrows(
              IOException.class,
              () ->
                  MilterServer.start(
                      config.listen(),
                      () -> null,
                      config::sessions,
                      Metrics.NONE,
                      MemoryBudget.forHeap(),
                      TestLoop.SHARED));
      assertEquals(
          "cannot listen on inet:127.0.0.1:"
              + taken.getLocalPort()
              + " for the milter: Address already in use",
          refused.getMessage());
    }
  }
}
