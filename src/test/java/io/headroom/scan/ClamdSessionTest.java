package io.headroom.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.headroom.config.ScannerEndpoint;
import io.headroom.support.TestLoop;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One clamd session's connection, against a loopback server. */
class ClamdSessionTest {

  /**
   * clamd, or a proxy whose clamd is gone, accepts and closes at once. A new session is opened on
   * the scan executor and its first command begun on the event loop, so the loop may see the close
   * first. The command's write then fails, and the scan reads the answer for the reason: that
   * answer must fail as well, or the scan waits for its deadline and is deferred as a timeout
   * instead of an error. A scan cannot be made to hit that instant every time, so this puts the
   * session in the state it leaves.
   */
  @Test
  void aCommandBegunAfterClamdClosedTheConnectionHasItsAnswerFailAtOnce() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread closer =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  // Closed as soon as accepted.
                } catch (IOException ignored) {
                  // The test fails on its own if nothing connects.
                }
              });
      closer.start();
      EventLoop loop = TestLoop.SHARED.current();
      ScannerEndpoint endpoint =
          ScannerEndpoint.parse("clamd:tcp:127.0.0.1:" + server.getLocalPort());
      ClamdSession session = ClamdSession.open(endpoint, new Link(), loop, TestLoop.SHARED);
      closer.join();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (session.alive() && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertFalse(session.alive(), "the loop saw the connection closed");
      // The loop tells the handlers of a close in a task it queues while closing: once a task
      // submitted now has run, that one is queued ahead of the command below.
      loop.submit(() -> {}).sync();
      CompletableFuture<String> answer =
          loop.submit(
                  () -> {
                    session.nextCommand();
                    return session.answer();
                  })
              .get();
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> answer.get(1, TimeUnit.SECONDS));
      assertEquals("clamd closed the connection without an answer", failed.getCause().getMessage());
    }
  }
}
