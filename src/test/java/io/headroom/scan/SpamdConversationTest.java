package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import io.headroom.support.LoopbackServers;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spamd's exchange against loopback servers that misbehave as real ones do. */
class SpamdConversationTest {
  @TempDir Path spool;

  /**
   * A spamd that accepts connections and closes them unanswered (a crashed child, an --allowed-ips
   * that leaves us out, a proxy in front of a dead spamd) is passed over for the next backend.
   * Every retry once began with the first backend again, and each message was deferred while the
   * second one answered.
   */
  @Test
  void aBackendThatAcceptsAndClosesIsPassedOverForTheNext() throws Exception {
    AtomicInteger brokenAccepts = new AtomicInteger();
    try (ServerSocket broken =
            LoopbackServers.start("broken-spamd", s -> brokenAccepts.incrementAndGet());
        ServerSocket good = LoopbackServers.spamd("Spam: False ; 0.3 / 5.0")) {
      BackendPool pool =
          new BackendPool(
              Kind.SPAMD,
              List.of(
                  ScannerEndpoint.parse("spamd:tcp:127.0.0.1:" + broken.getLocalPort()),
                  ScannerEndpoint.parse("spamd:tcp:127.0.0.1:" + good.getLocalPort())),
              () -> false);
      SpamdConversation c = new SpamdConversation(pool, spool, 1 << 20);
      try {
        ScannerVerdict v = c.finish("Subject: x\r\n\r\nhello\r\n".getBytes(US_ASCII));
        assertEquals(ScanResult.CLEAN, v.result(), v.detail());
        assertTrue(brokenAccepts.get() <= 1, brokenAccepts + " tries of the broken backend");
      } finally {
        c.close();
      }
    }
  }
}
