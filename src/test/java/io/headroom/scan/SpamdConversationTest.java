package io.headroom.scan;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
    try (ServerSocket broken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket good = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      serve(
          broken,
          s -> {
            brokenAccepts.incrementAndGet();
          });
      serve(
          good,
          s -> {
            s.getInputStream().readAllBytes(); // up to our shutdownOutput
            s.getOutputStream()
                .write("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0.3 / 5.0\r\n\r\n".getBytes(US_ASCII));
          });
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

  interface Answer {
    void to(Socket s) throws Exception;
  }

  /** Answers each connection to {@code server} on a daemon thread until the server closes. */
  private static void serve(ServerSocket server, Answer answer) {
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  answer.to(s);
                } catch (Exception closed) {
                  // the server socket closed, or the client went away: next connection
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }
}
